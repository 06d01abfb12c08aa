#include "price-calc/ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>
#include <unordered_set>

#include "common/csv.h"
#include "common/error.h"
#include "common/json_lines.h"
#include "common/log.h"
#include "common/node_usage.h"
#include "common/redact.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "price-calc/alloc_row.h"

namespace sf::pc {
namespace {

// Ledger version 1: its columns, between ledger_version and recorded_at. Frozen: a new layout
// is a new version.
constexpr std::string_view kLedgerColumnsV1[] = {
    "node", "window_start", "window_end", "hours", "currency", "price_set", "spot", "gpu_node", "cpu_cores",
    "cpu_busy_cores", "memory_bytes", "memory_used_bytes", "filesystem_bytes", "filesystem_used_bytes", "gpus",
    "gpu_count", "cpu_price", "ram_price", "gpu_price", "storage_price", "discount", "cpu_list_cost", "ram_list_cost",
    "cpu_cost", "ram_cost", "gpu_cost", "storage_cost", "total_cost", "cpu_used_cost", "ram_used_cost",
    "storage_used_cost", "used_cost", "idle_cost", "hourly_cost", "source", "labels"};
constexpr size_t kNodeColumns = std::size(kLedgerColumnsV1) + 2;  // + ledger_version, recorded_at

// Allocation ledger version 1 (price-calc --by --ledger): one row per (name, window), name being
// namespace/kind/controller (or NODE/__idle__). Frozen like the node ledger's.
constexpr std::string_view kAllocLedgerColumnsV1[] = {
    "name", "namespace", "controller_kind", "controller", "pod", "node", "idle", "window_start", "window_end", "hours",
    "currency", "pod_hours", "cpu_request_core_hours", "cpu_usage_core_hours", "cpu_core_hours",
    "ram_request_byte_hours", "ram_usage_byte_hours", "ram_byte_hours", "gpu_hours", "cpu_cost", "ram_cost",
    "gpu_cost", "storage_cost", "cpu_list_cost", "ram_list_cost", "cpu_used_cost", "ram_used_cost", "cpu_idle_cost",
    "ram_idle_cost", "gpu_idle_cost", "labels"};

template <size_t N>
std::vector<std::string> with_version_and_time(const std::string_view (&names)[N]) {
  std::vector<std::string> out = {"ledger_version"};
  for (const std::string_view name : names) out.emplace_back(name);
  out.emplace_back("recorded_at");
  return out;
}

size_t column(const std::vector<std::string>& columns, std::string_view name) {
  return static_cast<size_t>(std::find(columns.begin(), columns.end(), name) - columns.begin());
}

LedgerSchema make_schema(std::vector<std::string> columns, const char* kind, const char* key) {
  LedgerSchema s;
  s.columns = std::move(columns);
  s.kind = kind;
  s.key_column = column(s.columns, key);
  s.start_column = column(s.columns, "window_start");
  s.end_column = column(s.columns, "window_end");
  s.currency_column = column(s.columns, "currency");
  return s;
}

// The row fields of each ledger's columns (between ledger_version and recorded_at).
const std::vector<const RowField*>& ledger_row_fields() {
  static const std::vector<const RowField*> fields = [] {
    std::vector<const RowField*> out;
    for (const std::string_view name : kLedgerColumnsV1) out.push_back(&row_field(name));
    return out;
  }();
  return fields;
}

const std::vector<const AllocField*>& alloc_ledger_table() {
  static const std::vector<const AllocField*> fields = [] {
    std::vector<const AllocField*> out;
    for (const std::string_view name : kAllocLedgerColumnsV1) out.push_back(&alloc_field(name));
    return out;
  }();
  return fields;
}

// A file descriptor closed on every path out.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset(int f = -1) {
    if (fd >= 0) ::close(fd);
    fd = f;
  }
};

const std::string kNotALedger = ": not a price-calc ledger (its first column is not ledger_version); "
                                "point --ledger at a ledger file or a new path";

// Who holds a lock on `fd`'s file, from /proc/locks: "pid 1234 (price-calc report ...)".
std::string lock_holder(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return "another process";
  char device[64];
  std::snprintf(device, sizeof device, "%02x:%02x:%llu", major(st.st_dev), minor(st.st_dev),
                static_cast<unsigned long long>(st.st_ino));
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    if (line.find("->") != std::string::npos) continue;  // a waiter, not a holder
    const auto fields = split(trim(line), ' ');
    std::vector<std::string> words;
    for (const auto& f : fields)
      if (!f.empty()) words.push_back(f);
    // "1: FLOCK ADVISORY WRITE 1234 08:02:5678 0 EOF"
    if (words.size() < 6 || words[5] != device) continue;
    const std::string& pid = words[4];
    if (pid == std::to_string(::getpid())) continue;
    std::ifstream cmdline("/proc/" + pid + "/cmdline", std::ios::binary);
    std::string command((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    std::replace(command.begin(), command.end(), '\0', ' ');
    const std::string shown = printable(trim(command), 160);
    return shown.empty() ? cat("pid ", pid) : cat("pid ", pid, " (", shown, ")");
  }
  return "another process";
}

// flock with a limit: polls, so a stalled holder costs at most `wait`, then names it.
void lock(int fd, int how, const std::string& path, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  auto pause = std::chrono::milliseconds(5);
  while (::flock(fd, how | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK)
      throw Error(cat(path, ": cannot lock the ledger: ", std::strerror(errno)));
    if (std::chrono::steady_clock::now() >= deadline)
      throw Error(cat(path, ": the ledger is locked by ", lock_holder(fd), " for more than ",
                      std::chrono::duration<double>(wait).count(), " s; wait for it to finish or stop it ",
                      "(--lock-timeout sets how long to wait)"));
    std::this_thread::sleep_for(std::min(pause, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    deadline - std::chrono::steady_clock::now() +
                                                    std::chrono::milliseconds(1))));
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

std::string key_of(const std::string& node, const std::string& start, const std::string& end) {
  std::string key;
  key.reserve(node.size() + start.size() + end.size() + 2);
  key += node;
  key += '\x1f';
  key += start;
  key += '\x1f';
  key += end;
  return key;
}

// Opens an existing ledger for reading; UsageError for a directory or what cannot be opened.
// Returns -1 when it does not exist.
int open_for_reading(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return -1;
    throw UsageError(cat(path, ": cannot open the ledger: ", std::strerror(errno), "; check --ledger"));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw UsageError(cat(path, ": is a directory; --ledger names a ledger file (it is created on the first run)"));
  }
  return fd;
}

// Checks the header line; throws UsageError naming the file when it is not a ledger of `schema`.
void check_header(const std::vector<std::string>& header, const std::string& path, const LedgerSchema& schema) {
  if (header == schema.columns) return;
  for (const LedgerSchema* other : {&node_ledger_schema(), &alloc_ledger_schema()})
    if (header == other->columns)
      throw UsageError(cat(path, ":1: this is ", other->kind, " ledger, not ", schema.kind, " one (price-calc writes ",
                           "node rows to a ledger, price-calc --by allocation rows); use another --ledger"));
  if (!header.empty() && header[0] == "ledger_version")
    throw UsageError(cat(path, ":1: the ledger's header does not match ledger version ", kLedgerVersion,
                         " (columns differ); was it edited, or written by another version of price-calc?"));
  throw UsageError(path + ":1" + kNotALedger);
}

// A row of another version: newer is refused (upgrade), anything else is damage.
void check_version(const std::vector<std::string>& f, const std::string& where, const std::string& path,
                   const LedgerSchema& schema) {
  if (!f.empty() && f[0] != "1") {
    double v = 0;
    if (parse_double(f[0], v) && v > kLedgerVersion)
      throw UsageError(cat(where, ": row of ledger version ", printable(f[0], 16), ", newer than this price-calc (version ",
                           kLedgerVersion, "); upgrade price-calc to read ", path,
                           " (this one refuses to read or extend it)"));
    throw ParseError(where, cat("ledger_version '", printable(f[0], 16), "' is not ", kLedgerVersion));
  }
  if (f.size() != schema.columns.size())
    throw ParseError(where, cat("ledger row has ", f.size(), " fields, expected ", schema.columns.size(),
                                "; the row is damaged (edited by hand?)"));
}

// A header of a newer version names it in its first data row: say "newer" then, not "differs".
void check_header_or_newer(const std::vector<std::string>& header, LineReader& reader, const std::string& path,
                           const LedgerSchema& schema) {
  if (header == schema.columns) return;
  if (!header.empty() && header[0] == "ledger_version") {
    std::string_view next;
    if (reader.next(next)) {
      const auto fields = csv::parse_record(next, reader.where());
      double v = 0;
      if (!fields.empty() && parse_double(fields[0], v) && v > kLedgerVersion)
        throw UsageError(cat(path, ": this ledger was written by a newer price-calc (ledger version ",
                             printable(fields[0], 16), "; this one reads version ", kLedgerVersion,
                             "): upgrade price-calc, or start a new ledger"));
    }
  }
  check_header(header, path, schema);
}

// Every complete row of the ledger open on `fd`, up to `size` bytes: header, versions and
// row shapes checked; `on_row(fields, where)` for each. A partial last row is skipped.
void scan_ledger(int fd, const std::string& path, uint64_t size, const LedgerSchema& schema,
                 const std::function<void(const std::vector<std::string>&, const std::string&)>& on_row,
                 bool warn_partial = true) {
  if (::lseek(fd, 0, SEEK_SET) < 0) throw Error(cat(path, ": seek failed: ", std::strerror(errno)));
  LineReader reader(fd, path);
  reader.limit_to(size);
  std::string_view line;
  if (!reader.next(line)) return;  // empty
  if (reader.last_line_unterminated()) {  // a cut-short header: the next writer repairs it, if it is ours
    const std::string_view prefix = "ledger_version";
    if (line.substr(0, prefix.size()) != prefix.substr(0, std::min(prefix.size(), line.size())))
      throw UsageError(path + ":1" + kNotALedger);
    return;
  }
  check_header_or_newer(csv::parse_record(line, reader.where()), reader, path, schema);
  while (reader.next(line)) {
    if (line.empty()) continue;
    const std::string where = reader.where();
    if (reader.last_line_unterminated()) {
      if (warn_partial) log::warn(cat(where, ": partial last row (a writer stopped mid-write); skipped"));
      break;
    }
    const auto f = csv::parse_record(line, where);
    check_version(f, where, path, schema);
    on_row(f, where);
  }
}

uint64_t file_size(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error(cat(path, ": stat failed: ", std::strerror(errno)));
  return static_cast<uint64_t>(st.st_size);
}

std::string currency_refusal(const std::string& path, const std::string& where, const std::string& theirs,
                             const std::string& ours) {
  return cat(path, ": the ledger holds ", printable(theirs, 16), " rows (", where, ") and this run prices in ",
             printable(ours, 16), "; one ledger holds one currency: use another --ledger for ", printable(ours, 16));
}

// Cuts a partial last line (a writer that died mid-write); returns the new size.
off_t repair_tail(int fd, const std::string& path) {
  const off_t size = static_cast<off_t>(file_size(fd, path));
  if (size == 0) return 0;
  char last = 0;
  if (::pread(fd, &last, 1, size - 1) != 1) throw Error(cat(path, ": read failed: ", std::strerror(errno)));
  if (last == '\n') return size;
  off_t pos = size;
  char buffer[4096];
  while (pos > 0) {
    const off_t from = pos > static_cast<off_t>(sizeof buffer) ? pos - static_cast<off_t>(sizeof buffer) : 0;
    const ssize_t got = ::pread(fd, buffer, static_cast<size_t>(pos - from), from);
    if (got <= 0) throw Error(cat(path, ": read failed: ", std::strerror(errno)));
    for (ssize_t i = got - 1; i >= 0; --i) {
      if (buffer[i] == '\n') {
        const off_t cut = from + i + 1;
        log::warn(cat(path, ": the last row was cut short (a writer stopped mid-write); removing its ", size - cut,
                      " bytes"));
        if (::ftruncate(fd, cut) != 0) throw Error(cat(path, ": truncate failed: ", std::strerror(errno)));
        return cut;
      }
    }
    pos = from;
  }
  log::warn(cat(path, ": holds no complete line (a writer stopped mid-write); starting it again"));
  if (::ftruncate(fd, 0) != 0) throw Error(cat(path, ": truncate failed: ", std::strerror(errno)));
  return 0;
}

// Writes `data` at the end; on any failure the ledger is cut back to `original_size` (or, when
// this run created it, removed) and the message says which.
void append_all(int fd, const std::string& data, const std::string& path, off_t original_size, bool created) {
  auto undo = [&](const std::string& what) {
    const std::string reason = std::strerror(errno);
    if (created) {
      ::unlink(path.c_str());  // still under our lock: waiters see it unlinked and start again
      return Error(cat(path, ": ", what, " failed: ", reason, "; no ledger was created"));
    }
    if (::ftruncate(fd, original_size) != 0)
      return Error(cat(path, ": ", what, " failed: ", reason, "; a partial row may remain at the end (the next ",
                       "writer cuts it off)"));
    return Error(cat(path, ": ", what, " failed: ", reason, "; the ledger was left as it was"));
  };
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      throw undo("append");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) throw undo("fsync");
}

// Opens the ledger for appending and takes the exclusive lock; creates it when missing.
// Retries when the file it locked was replaced or removed meanwhile (a failed first append).
int open_locked_for_append(const std::string& path, std::chrono::milliseconds wait, bool& created_by_us) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    created_by_us = false;
    int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
      fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0666);  // minus the umask
      if (fd < 0 && errno == EEXIST) continue;
      created_by_us = fd >= 0;
    }
    if (fd < 0)
      throw UsageError(cat(path, ": cannot open the ledger for appending: ", std::strerror(errno),
                           "; check the path and permissions of --ledger"));
    Fd guard(fd);
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
      throw UsageError(cat(path, ": is a directory; --ledger names a ledger file"));
    lock(fd, LOCK_EX, path, wait);
    struct stat now {};
    if (::fstat(fd, &st) != 0 || st.st_nlink == 0 || ::stat(path.c_str(), &now) != 0 || now.st_ino != st.st_ino ||
        now.st_dev != st.st_dev)
      continue;  // removed or replaced while we waited: open the one there now
    guard.fd = -1;
    return fd;
  }
  throw Error(cat(path, ": the ledger keeps being replaced while we lock it; is something else rewriting it?"));
}

}  // namespace

const LedgerSchema& node_ledger_schema() {
  static const LedgerSchema schema = make_schema(with_version_and_time(kLedgerColumnsV1), "a node", "node");
  return schema;
}

const LedgerSchema& alloc_ledger_schema() {
  static const LedgerSchema schema = make_schema(with_version_and_time(kAllocLedgerColumnsV1), "an allocation", "name");
  return schema;
}

const std::vector<std::string>& ledger_columns() { return node_ledger_schema().columns; }

std::vector<std::string> ledger_fields(const CostRow& r, const std::string& recorded_at) {
  std::vector<std::string> f;
  f.reserve(kNodeColumns);
  f.push_back(std::to_string(kLedgerVersion));
  for (const RowField* field : ledger_row_fields()) f.push_back(cell_text(*field, r));
  f.push_back(recorded_at);
  return f;
}

CostRow ledger_row(const std::vector<std::string>& f, const std::string& where) {
  if (f.size() != kNodeColumns)
    throw ParseError(where, cat("ledger row has ", f.size(), " fields, expected ", kNodeColumns));
  CostRow r;
  const auto& fields = ledger_row_fields();
  for (size_t i = 0; i < fields.size(); ++i) parse_cell(*fields[i], r, f[i + 1], cat(where, " (column ", fields[i]->name, ")"));
  if (r.node.empty()) throw ParseError(where, "ledger column node is empty");
  r.start = parse_contract_time(r.window_start, cat(where, " (column window_start)"));
  r.end = parse_contract_time(r.window_end, cat(where, " (column window_end)"));
  r.where = where;
  // What the ledger does not store is derived as price_usage derived it; what it stores wins.
  const CostRow stored = r;
  derive_quantities(r);
  finish_row(r);
  for (const RowField* field : fields) copy_field(*field, r, stored);
  r.daily_cost = r.hourly_cost * kHoursPerDay;
  r.monthly_cost = r.hourly_cost * kHoursPerMonth;
  return r;
}

LedgerWriter::LedgerWriter(std::string path, std::chrono::milliseconds lock_wait, const LedgerSchema& schema)
    : path_(std::move(path)), lock_wait_(lock_wait), schema_(schema) {
  spool_ = std::tmpfile();
  if (spool_ == nullptr)
    throw Error(cat("cannot create a temporary file to spool ledger rows: ", std::strerror(errno), " (check TMPDIR)"));
  recorded_at_ = format_rfc3339(Clock::now());
}

LedgerWriter::~LedgerWriter() {
  if (spool_ != nullptr) std::fclose(spool_);
}

void LedgerWriter::add(const CostRow& row) {
  if (&schema_ != &node_ledger_schema()) throw std::logic_error("a node row for an allocation ledger");
  spool(ledger_fields(row, recorded_at_), row.currency, row.start);
}

void LedgerWriter::add(const AllocRow& row) {
  if (&schema_ != &alloc_ledger_schema()) throw std::logic_error("an allocation row for a node ledger");
  spool(alloc_ledger_fields(row, recorded_at_), row.currency, row.start);
}

void LedgerWriter::spool(const std::vector<std::string>& fields, const std::string& currency,
                         Clock::time_point start) {
  if (spooled_ == 0) currency_ = currency;
  line_.clear();
  csv::append_record(line_, fields);
  if (std::fwrite(line_.data(), 1, line_.size(), spool_) != line_.size())
    throw Error(cat("cannot spool ledger rows to a temporary file: ", std::strerror(errno), " (check TMPDIR)"));
  ++spooled_;
  if (!min_start_ || start < *min_start_) min_start_ = start;
  if (!max_start_ || start > *max_start_) max_start_ = start;
}

LedgerResult LedgerWriter::commit() {
  LedgerResult result;
  if (spooled_ == 0) return result;  // nothing to record: the ledger is not even created
  if (std::fflush(spool_) != 0) throw Error(cat("cannot spool ledger rows: ", std::strerror(errno), " (check TMPDIR)"));

  bool created_by_us = false;
  Fd ledger(open_locked_for_append(path_, lock_wait_, created_by_us));
  // Never cut the tail of a file that is not a ledger: look at its first bytes first.
  static const std::string kPrefix = "ledger_version,";
  std::string head(kPrefix.size(), '\0');
  const ssize_t got = ::pread(ledger.fd, head.data(), head.size(), 0);
  if (got < 0) throw Error(cat(path_, ": read failed: ", std::strerror(errno)));
  if (got > 0 && kPrefix.compare(0, static_cast<size_t>(got), head, 0, static_cast<size_t>(got)) != 0)
    throw UsageError(path_ + ":1" + kNotALedger);
  const off_t size = repair_tail(ledger.fd, path_);
  result.created = size == 0;

  // Every row is checked (version, currency); the keys are kept for the windows this run adds.
  std::unordered_set<std::string> keys;
  if (size > 0) {
    const LedgerSchema& c = schema_;
    scan_ledger(ledger.fd, path_, static_cast<uint64_t>(size), c, [&](const std::vector<std::string>& f, const std::string& where) {
      if (f[c.currency_column] != currency_)
        throw UsageError(currency_refusal(path_, where, f[c.currency_column], currency_));
      const Clock::time_point start = parse_contract_time(f[c.start_column], cat(where, " (column window_start)"));
      if (start < *min_start_ || start > *max_start_) return;
      keys.insert(key_of(f[c.key_column], f[c.start_column], f[c.end_column]));
    });
  }

  std::string out;
  if (result.created) csv::append_record(out, schema_.columns);
  if (std::fseek(spool_, 0, SEEK_SET) != 0) throw Error("cannot rewind the ledger spool");
  {
    LineReader spool(fileno(spool_), "<ledger spool>");
    std::string_view line;
    while (spool.next(line)) {
      const auto f = csv::parse_record(line, spool.where());
      if (!keys.insert(key_of(f[schema_.key_column], f[schema_.start_column], f[schema_.end_column])).second) {
        ++result.already_present;
        continue;
      }
      out.append(line);
      out.append("\r\n");
      ++result.appended;
    }
  }
  if (result.appended > 0 || created_by_us) append_all(ledger.fd, out, path_, size, created_by_us && size == 0);
  return result;  // closing the descriptor releases the lock
}

void preflight_ledger(const std::string& path, const std::string& currency, std::chrono::milliseconds lock_wait,
                      const LedgerSchema& schema) {
  Fd ledger(open_for_reading(path));
  if (ledger.fd < 0) return;  // created by the first append
  lock(ledger.fd, LOCK_SH, path, lock_wait);
  const uint64_t size = file_size(ledger.fd, path);
  ::flock(ledger.fd, LOCK_UN);  // the ledger only grows by whole rows: read the snapshot unlocked
  scan_ledger(ledger.fd, path, size, schema, [&](const std::vector<std::string>& f, const std::string& where) {
    if (f[schema.currency_column] != currency)
      throw UsageError(currency_refusal(path, where, f[schema.currency_column], currency));
  });
}

namespace {

// The rows of a snapshot of `path` whose window_start is in `range`, checked whole (versions,
// shapes, one currency in range) before the first on_row call.
template <typename Row, typename Parse>
void read_rows(const std::string& path, const LedgerRange& range, const LedgerSchema& schema, Parse parse,
               const std::function<void(Row&)>& on_row, std::chrono::milliseconds lock_wait) {
  Fd ledger(open_for_reading(path));
  if (ledger.fd < 0)
    throw UsageError(cat(path, ": cannot open the ledger: ", std::strerror(ENOENT), "; check --ledger"));
  lock(ledger.fd, LOCK_SH, path, lock_wait);  // only while noting the size: no writer is mid-append
  const uint64_t size = file_size(ledger.fd, path);
  ::flock(ledger.fd, LOCK_UN);

  auto in_range = [&](const Row& r) { return (!range.from || r.start >= *range.from) && (!range.to || r.start < *range.to); };
  // Pass 1: everything checked before anything is handed on (and printed).
  std::string currency, currency_where;
  scan_ledger(ledger.fd, path, size, schema, [&](const std::vector<std::string>& f, const std::string& where) {
    const Row row = parse(f, where);
    if (!in_range(row)) return;
    if (currency.empty()) {
      currency = row.currency;
      currency_where = where;
    } else if (row.currency != currency) {
      throw UsageError(cat(path, ": the rows in range mix currencies (", printable(currency, 16), " at ", currency_where,
                           ", ", printable(row.currency, 16), " at ", where, "); narrow --from/--to to one currency"));
    }
  });
  // Pass 2: the same bytes again (they do not change), handed on.
  scan_ledger(ledger.fd, path, size, schema, [&](const std::vector<std::string>& f, const std::string& where) {
    Row row = parse(f, where);
    if (in_range(row)) on_row(row);
  }, false);
}

}  // namespace

void read_ledger(const std::string& path, const LedgerRange& range, const std::function<void(CostRow&)>& on_row,
                 std::chrono::milliseconds lock_wait) {
  read_rows<CostRow>(path, range, node_ledger_schema(), ledger_row, on_row, lock_wait);
}

void read_alloc_ledger(const std::string& path, const LedgerRange& range, const std::function<void(AllocRow&)>& on_row,
                       std::chrono::milliseconds lock_wait) {
  read_rows<AllocRow>(path, range, alloc_ledger_schema(), alloc_ledger_row, on_row, lock_wait);
}

std::vector<std::string> alloc_ledger_fields(const AllocRow& r, const std::string& recorded_at) {
  std::vector<std::string> f;
  f.reserve(alloc_ledger_schema().columns.size());
  f.push_back(std::to_string(kLedgerVersion));
  for (const AllocField* field : alloc_ledger_table()) f.push_back(cell_text(*field, r));
  f.push_back(recorded_at);
  return f;
}

AllocRow alloc_ledger_row(const std::vector<std::string>& f, const std::string& where) {
  const auto& fields = alloc_ledger_table();
  if (f.size() != fields.size() + 2)
    throw ParseError(where, cat("ledger row has ", f.size(), " fields, expected ", fields.size() + 2));
  AllocRow r;
  for (size_t i = 0; i < fields.size(); ++i) parse_cell(*fields[i], r, f[i + 1], cat(where, " (column ", fields[i]->name, ")"));
  if (r.name.empty()) throw ParseError(where, "ledger column name is empty");
  r.start = parse_contract_time(r.window_start, cat(where, " (column window_start)"));
  r.end = parse_contract_time(r.window_end, cat(where, " (column window_end)"));
  finish_alloc_row(r);
  return r;
}

LedgerKind ledger_kind(const std::string& path, std::chrono::milliseconds lock_wait) {
  Fd ledger(open_for_reading(path));
  if (ledger.fd < 0)
    throw UsageError(cat(path, ": cannot open the ledger: ", std::strerror(ENOENT), "; check --ledger"));
  lock(ledger.fd, LOCK_SH, path, lock_wait);
  LineReader reader(ledger.fd, path);
  std::string_view line;
  const bool any = reader.next(line);
  ::flock(ledger.fd, LOCK_UN);
  if (!any) return LedgerKind::kNode;  // empty: nothing to tell
  const auto header = csv::parse_record(line, reader.where());
  return header == alloc_ledger_schema().columns ? LedgerKind::kAllocation : LedgerKind::kNode;
}

}  // namespace sf::pc
