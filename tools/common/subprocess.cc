#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "common/strings.h"
#include "common/unique_fd.h"

extern char** environ;

namespace sf::proc {
namespace {

using std::chrono::milliseconds;

struct Pipe {
  UniqueFd read;
  UniqueFd write;
  void open(const char* what) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(cat("cannot create a pipe for ", what, ": ", std::strerror(errno)));
    read.fd = fds[0];
    write.fd = fds[1];
  }
};

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// RAII for the spawn attribute and file-action objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

std::vector<std::string> child_environment(const Command& command) {
  std::vector<std::string> env;
  auto dropped = [&](const char* entry) {
    const char* eq = std::strchr(entry, '=');
    const std::string_view name(entry, eq ? static_cast<size_t>(eq - entry) : std::strlen(entry));
    for (const auto& n : command.unset_env)
      if (name == n) return true;
    for (const auto& [n, v] : command.env)
      if (name == n) return true;
    return false;
  };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (!dropped(*e)) env.emplace_back(*e);
  for (const auto& [name, value] : command.env) env.push_back(name + "=" + value);
  return env;
}

// Reads what is available from `fd` into `into` up to `cap` bytes (the rest is read and
// dropped when `drop_excess`). Returns false at end of file.
bool drain(int fd, std::string& into, size_t cap, bool drop_excess, bool& over) {
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;  // other errors: treat as closed
    if (n == 0) return false;
    const size_t room = cap > into.size() ? cap - into.size() : 0;
    into.append(buffer, std::min(room, static_cast<size_t>(n)));
    if (static_cast<size_t>(n) > room) {
      over = true;
      if (!drop_excess) return true;
    }
  }
}

}  // namespace

Result run(const Command& command) {
  if (command.argv.empty() || command.argv[0].empty()) throw SpawnError("no program to run", ENOENT);
  const auto start = Steady::now();
  Pipe in, out, err;
  if (command.input == Input::kData) in.open("stdin");
  if (command.out == Output::kCapture) out.open("stdout");
  if (command.err == Output::kCapture) err.open("stderr");

  SpawnSetup setup;
  auto& actions = setup.actions;
  if (command.input == Input::kData) posix_spawn_file_actions_adddup2(&actions, in.read.fd, STDIN_FILENO);
  else if (command.input == Input::kNull) posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (command.out == Output::kCapture) posix_spawn_file_actions_adddup2(&actions, out.write.fd, STDOUT_FILENO);
  else if (command.out == Output::kDiscard) posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  if (command.err == Output::kCapture) posix_spawn_file_actions_adddup2(&actions, err.write.fd, STDERR_FILENO);
  else if (command.err == Output::kDiscard) posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);

  // The child starts with default signal handling and nothing blocked, whatever this process
  // set (tools ignore SIGPIPE; a child that inherits that sees EPIPE where it expects to die).
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  for (const int s : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD}) sigaddset(&defaults, s);
  sigemptyset(&empty);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  const bool own_group = command.input != Input::kInherit;
  if (own_group) flags |= POSIX_SPAWN_SETPGROUP;  // its own group: a timeout kills the whole tree
  posix_spawnattr_setflags(&setup.attr, flags);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  if (own_group) posix_spawnattr_setpgroup(&setup.attr, 0);

  std::vector<std::string> args = command.argv;
  std::vector<std::string> env = child_environment(command);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0].c_str(), &actions, &setup.attr, argv.data(), envp.data());
  in.read.reset();
  out.write.reset();
  err.write.reset();
  if (rc != 0) throw SpawnError(cat(args[0], ": cannot start it: ", std::strerror(rc)), rc);

  Result result;
  if (in.write.fd >= 0) set_nonblocking(in.write.fd);
  if (out.read.fd >= 0) set_nonblocking(out.read.fd);
  if (err.read.fd >= 0) set_nonblocking(err.read.fd);
  size_t written = 0;
  if (in.write.fd >= 0 && command.input_data.empty()) in.write.reset();

  int status = 0;
  bool reaped = false;
  bool stop = false;
  while (!stop) {
    const auto now = Steady::now();
    if (now >= command.deadline) {
      result.outcome = Outcome::kTimedOut;
      break;
    }
    if (!reaped) {
      const pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) reaped = true;
    }
    if (reaped && out.read.fd < 0 && err.read.fd < 0) break;
    pollfd fds[3];
    nfds_t n = 0;
    if (in.write.fd >= 0) fds[n++] = {in.write.fd, POLLOUT, 0};
    if (out.read.fd >= 0) fds[n++] = {out.read.fd, POLLIN, 0};
    if (err.read.fd >= 0) fds[n++] = {err.read.fd, POLLIN, 0};
    // Wake at least every 20 ms to notice the exit of a child whose output is closed or passed
    // through; never past the deadline.
    const auto left = std::chrono::duration_cast<milliseconds>(command.deadline - now).count();
    const int wait_ms = static_cast<int>(std::clamp<long long>(left, 0, 20));
    if (n == 0) {
      std::this_thread::sleep_for(milliseconds(std::max(1, wait_ms)));
      continue;
    }
    const int ready = ::poll(fds, n, wait_ms);
    if (ready < 0 && errno != EINTR) throw Error(cat(args[0], ": poll failed: ", std::strerror(errno)));
    if (ready <= 0) continue;
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in.write.fd) {
        const ssize_t w = ::write(in.write.fd, command.input_data.data() + written, command.input_data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == command.input_data.size())
          in.write.reset();  // done, or the program closed its stdin (EPIPE): stop feeding it
      } else if (fds[i].fd == out.read.fd) {
        bool over = false;
        if (!drain(out.read.fd, result.out, command.max_out_bytes, false, over)) out.read.reset();
        if (over) {
          result.outcome = Outcome::kTooMuchOutput;
          stop = true;
        }
      } else if (fds[i].fd == err.read.fd) {
        bool over = false;
        if (!drain(err.read.fd, result.err, command.max_err_bytes, true, over)) err.read.reset();
        result.err_truncated = result.err_truncated || over;
      }
    }
  }
  if (result.outcome == Outcome::kTimedOut || result.outcome == Outcome::kTooMuchOutput) {
    // The group outlives its leader while a member (a helper it forked) holds on: still ours.
    ::kill(own_group ? -pid : pid, SIGKILL);
    if (!reaped) {
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  } else {
    if (WIFEXITED(status)) {
      result.outcome = Outcome::kExited;
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.outcome = Outcome::kSignaled;
      result.signal = WTERMSIG(status);
    }
  }
  result.elapsed = std::chrono::duration_cast<milliseconds>(Steady::now() - start);
  return result;
}

}  // namespace sf::proc
