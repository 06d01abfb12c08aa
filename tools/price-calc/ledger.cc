#include "price-calc/ledger.h"
#include "common/node_usage.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "common/csv.h"
#include "common/error.h"
#include "common/json_lines.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "price-calc/format_csv.h"

namespace sf::pc {
namespace {

enum Column {
  kVersion, kNode, kWindowStart, kWindowEnd, kHours, kCurrency, kPriceSet, kSpot, kGpuNode, kCpuCores,
  kCpuBusyCores, kMemoryBytes, kMemoryUsedBytes, kFilesystemBytes, kFilesystemUsedBytes, kGpus, kGpuCount,
  kCpuPrice, kRamPrice, kGpuPrice, kStoragePrice, kDiscount, kCpuListCost, kRamListCost, kCpuCost, kRamCost,
  kGpuCost, kStorageCost, kTotalCost, kCpuUsedCost, kRamUsedCost, kStorageUsedCost, kUsedCost, kIdleCost,
  kHourlyCost, kSource, kLabels, kRecordedAt, kColumnCount
};

std::string n(double v) { return format_number(v); }

// A file descriptor closed on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void lock(int fd, int how, const std::string& path) {
  while (::flock(fd, how) != 0) {
    if (errno == EINTR) continue;
    throw Error(cat(path, ": cannot lock the ledger: ", std::strerror(errno)));
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

double number(const std::vector<std::string>& f, Column c, const std::string& where) {
  double v = 0;
  if (!parse_double(f[c], v))
    throw ParseError(where, cat("ledger column ", ledger_columns()[c], ": '", f[c], "' is not a number"));
  return v;
}

// Checks the header line; throws UsageError naming the file when it is not ours.
void check_header(const std::vector<std::string>& header, LineReader& reader, const std::string& path) {
  if (header == ledger_columns()) return;
  if (!header.empty() && header[0] == "ledger_version") {
    std::string_view next;
    if (reader.next(next)) {
      const auto fields = csv::parse_record(next, reader.where());
      double v = 0;
      if (!fields.empty() && parse_double(fields[0], v) && v > kLedgerVersion)
        throw UsageError(cat(path, ": this ledger was written by a newer price-calc (ledger version ", fields[0],
                             "; this one reads version ", kLedgerVersion, "): upgrade price-calc, or start a new ledger"));
    }
    throw UsageError(cat(path, ":1: the ledger's header does not match ledger version ", kLedgerVersion,
                         " (columns differ); was it edited, or written by another version of price-calc?"));
  }
  throw UsageError(cat(path, ":1: not a price-calc ledger (its first column is not ledger_version); ",
                       "point --ledger at a ledger file or a new path"));
}

void check_version(const std::vector<std::string>& f, const std::string& where, const std::string& path) {
  if (!f.empty() && f[0] != "1") {
    double v = 0;
    if (parse_double(f[0], v) && v > kLedgerVersion)
      throw UsageError(cat(where, ": row of ledger version ", f[0], ", newer than this price-calc (version ",
                           kLedgerVersion, "); upgrade price-calc to read ", path));
    throw ParseError(where, cat("ledger_version '", f[0], "' is not ", kLedgerVersion));
  }
  if (f.size() != kColumnCount)
    throw ParseError(where, cat("ledger row has ", f.size(), " fields, expected ", kColumnCount,
                                "; the row is damaged (edited by hand?)"));
}

// Cuts a partial last line (a writer that died mid-write); returns the new size.
off_t repair_tail(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error(cat(path, ": stat failed: ", std::strerror(errno)));
  off_t size = st.st_size;
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

void write_all(int fd, const std::string& data, const std::string& path, off_t original_size) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      if (::ftruncate(fd, original_size) != 0) {
        // Nothing more to do: the next writer cuts a partial line.
      }
      throw Error(cat(path, ": append failed: ", reason, "; the ledger was left as it was"));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) throw Error(cat(path, ": fsync failed: ", std::strerror(errno)));
}

}  // namespace

const std::vector<std::string>& ledger_columns() {
  static const std::vector<std::string> columns = {
      "ledger_version", "node", "window_start", "window_end", "hours", "currency", "price_set", "spot", "gpu_node",
      "cpu_cores", "cpu_busy_cores", "memory_bytes", "memory_used_bytes", "filesystem_bytes", "filesystem_used_bytes",
      "gpus", "gpu_count", "cpu_price", "ram_price", "gpu_price", "storage_price", "discount", "cpu_list_cost",
      "ram_list_cost", "cpu_cost", "ram_cost", "gpu_cost", "storage_cost", "total_cost", "cpu_used_cost",
      "ram_used_cost", "storage_used_cost", "used_cost", "idle_cost", "hourly_cost", "source", "labels",
      "recorded_at"};
  return columns;
}

std::vector<std::string> ledger_fields(const CostRow& r, const std::string& recorded_at) {
  std::vector<std::string> f(kColumnCount);
  f[kVersion] = std::to_string(kLedgerVersion);
  f[kNode] = r.node;
  f[kWindowStart] = r.window_start;
  f[kWindowEnd] = r.window_end;
  f[kHours] = n(r.hours);
  f[kCurrency] = r.currency;
  f[kPriceSet] = r.price_set;
  f[kSpot] = r.spot ? "true" : "false";
  f[kGpuNode] = r.gpu_node ? "true" : "false";
  f[kCpuCores] = n(r.cpu_cores);
  f[kCpuBusyCores] = r.cpu_usage_known ? n(r.cpu_busy_cores) : "";
  f[kMemoryBytes] = n(r.memory_bytes);
  f[kMemoryUsedBytes] = n(r.memory_used_bytes);
  f[kFilesystemBytes] = n(r.filesystem_bytes);
  f[kFilesystemUsedBytes] = n(r.filesystem_used_bytes);
  f[kGpus] = n(r.gpus);
  f[kGpuCount] = n(r.gpu_count);
  f[kCpuPrice] = n(r.cpu_price);
  f[kRamPrice] = n(r.ram_price);
  f[kGpuPrice] = n(r.gpu_price);
  f[kStoragePrice] = r.storage_priced ? n(r.storage_price) : "";
  f[kDiscount] = n(r.discount);
  f[kCpuListCost] = n(r.cpu_list_cost);
  f[kRamListCost] = n(r.ram_list_cost);
  f[kCpuCost] = n(r.cpu_cost);
  f[kRamCost] = n(r.ram_cost);
  f[kGpuCost] = n(r.gpu_cost);
  f[kStorageCost] = n(r.storage_cost);
  f[kTotalCost] = n(r.total_cost);
  f[kCpuUsedCost] = n(r.cpu_used_cost);
  f[kRamUsedCost] = n(r.ram_used_cost);
  f[kStorageUsedCost] = n(r.storage_used_cost);
  f[kUsedCost] = n(r.used_cost);
  f[kIdleCost] = n(r.idle_cost);
  f[kHourlyCost] = n(r.hourly_cost);
  f[kSource] = r.source;
  f[kLabels] = labels_to_json(r.labels);
  f[kRecordedAt] = recorded_at;
  return f;
}

CostRow ledger_row(const std::vector<std::string>& f, const std::string& where) {
  if (f.size() != kColumnCount)
    throw ParseError(where, cat("ledger row has ", f.size(), " fields, expected ", kColumnCount));
  CostRow r;
  r.node = f[kNode];
  if (r.node.empty()) throw ParseError(where, "ledger column node is empty");
  r.start = parse_contract_time(f[kWindowStart], cat(where, " (column window_start)"));
  r.end = parse_contract_time(f[kWindowEnd], cat(where, " (column window_end)"));
  r.window_start = f[kWindowStart];
  r.window_end = f[kWindowEnd];
  r.hours = number(f, kHours, where);
  r.currency = f[kCurrency];
  r.price_set = f[kPriceSet];
  r.spot = f[kSpot] == "true";
  r.gpu_node = f[kGpuNode] == "true";
  r.cpu_cores = number(f, kCpuCores, where);
  r.cpu_usage_known = !f[kCpuBusyCores].empty();
  r.cpu_busy_cores = r.cpu_usage_known ? number(f, kCpuBusyCores, where) : 0.0;
  r.memory_bytes = number(f, kMemoryBytes, where);
  r.memory_used_bytes = number(f, kMemoryUsedBytes, where);
  r.filesystem_bytes = number(f, kFilesystemBytes, where);
  r.filesystem_used_bytes = number(f, kFilesystemUsedBytes, where);
  r.gpus = number(f, kGpus, where);
  r.gpu_count = number(f, kGpuCount, where);
  r.cpu_price = number(f, kCpuPrice, where);
  r.ram_price = number(f, kRamPrice, where);
  r.gpu_price = number(f, kGpuPrice, where);
  r.storage_priced = !f[kStoragePrice].empty();
  r.storage_price = r.storage_priced ? number(f, kStoragePrice, where) : 0.0;
  r.discount = number(f, kDiscount, where);
  r.cpu_list_cost = number(f, kCpuListCost, where);
  r.ram_list_cost = number(f, kRamListCost, where);
  r.cpu_cost = number(f, kCpuCost, where);
  r.ram_cost = number(f, kRamCost, where);
  r.gpu_cost = number(f, kGpuCost, where);
  r.storage_cost = number(f, kStorageCost, where);
  r.total_cost = number(f, kTotalCost, where);
  r.cpu_used_cost = number(f, kCpuUsedCost, where);
  r.ram_used_cost = number(f, kRamUsedCost, where);
  r.storage_used_cost = number(f, kStorageUsedCost, where);
  r.used_cost = number(f, kUsedCost, where);
  r.idle_cost = number(f, kIdleCost, where);
  r.hourly_cost = number(f, kHourlyCost, where);
  r.source = f[kSource];
  if (!f[kLabels].empty()) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(f[kLabels].data(), f[kLabels].size());
    if (doc.HasParseError() || !doc.IsObject())
      throw ParseError(where, "ledger column labels: not a JSON object of strings");
    const rapidjson::Document& labels = doc;
    for (const auto& m : labels.GetObject()) {
      if (!m.value.IsString()) throw ParseError(where, "ledger column labels: label values must be strings");
      r.labels.emplace_back(m.name.GetString(), m.value.GetString());
    }
  }
  derive_quantities(r);  // resource-hours and rates, as price_usage computed them
  const double stored_used = r.used_cost, stored_idle = r.idle_cost, stored_hourly = r.hourly_cost;
  finish_row(r);  // efficiencies and projections
  r.used_cost = stored_used;
  r.idle_cost = stored_idle;
  r.hourly_cost = stored_hourly;
  r.daily_cost = stored_hourly * kHoursPerDay;
  r.monthly_cost = stored_hourly * kHoursPerMonth;
  return r;
}

LedgerWriter::LedgerWriter(std::string path) : path_(std::move(path)) {
  spool_ = std::tmpfile();
  if (spool_ == nullptr)
    throw Error(cat("cannot create a temporary file to spool ledger rows: ", std::strerror(errno), " (check TMPDIR)"));
  recorded_at_ = format_rfc3339(Clock::now());
}

LedgerWriter::~LedgerWriter() {
  if (spool_ != nullptr) std::fclose(spool_);
}

void LedgerWriter::add(const CostRow& row) {
  line_.clear();
  csv::append_record(line_, ledger_fields(row, recorded_at_));
  if (std::fwrite(line_.data(), 1, line_.size(), spool_) != line_.size())
    throw Error(cat("cannot spool ledger rows to a temporary file: ", std::strerror(errno)));
  ++spooled_;
  if (!min_start_ || row.start < *min_start_) min_start_ = row.start;
  if (!max_start_ || row.start > *max_start_) max_start_ = row.start;
}

LedgerResult LedgerWriter::commit() {
  LedgerResult result;
  if (std::fflush(spool_) != 0) throw Error(cat("cannot spool ledger rows: ", std::strerror(errno)));

  Fd ledger;
  ledger.fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (ledger.fd < 0)
    throw UsageError(cat(path_, ": cannot open the ledger for appending: ", std::strerror(errno),
                         "; check the path and permissions of --ledger"));
  lock(ledger.fd, LOCK_EX, path_);
  // Never cut the tail of a file that is not a ledger: look at its first bytes first.
  static const std::string kPrefix = "ledger_version,";
  std::string head(kPrefix.size(), '\0');
  const ssize_t got = ::pread(ledger.fd, head.data(), head.size(), 0);
  if (got < 0) throw Error(cat(path_, ": read failed: ", std::strerror(errno)));
  if (got > 0 && kPrefix.compare(0, static_cast<size_t>(got), head, 0, static_cast<size_t>(got)) != 0)
    throw UsageError(cat(path_, ":1: not a price-calc ledger (its first column is not ledger_version); ",
                         "point --ledger at a ledger file or a new path"));
  const off_t size = repair_tail(ledger.fd, path_);
  result.created = size == 0;

  // The keys already there, for the windows this run adds (others cannot collide).
  std::unordered_set<std::string> keys;
  if (size > 0) {
    if (::lseek(ledger.fd, 0, SEEK_SET) < 0) throw Error(cat(path_, ": seek failed: ", std::strerror(errno)));
    LineReader reader(ledger.fd, path_);
    std::string_view line;
    if (!reader.next(line)) throw UsageError(cat(path_, ": empty header line"));
    check_header(csv::parse_record(line, reader.where()), reader, path_);
    while (reader.next(line)) {
      if (line.empty()) continue;
      const std::string where = reader.where();
      const auto f = csv::parse_record(line, where);
      check_version(f, where, path_);
      if (min_start_) {
        const Clock::time_point start = parse_contract_time(f[kWindowStart], cat(where, " (column window_start)"));
        if (start < *min_start_ || start > *max_start_) continue;
        keys.insert(key_of(f[kNode], f[kWindowStart], f[kWindowEnd]));
      }
    }
  }

  std::string out;
  if (result.created) csv::append_record(out, ledger_columns());
  if (std::fseek(spool_, 0, SEEK_SET) != 0) throw Error("cannot rewind the ledger spool");
  {
    LineReader spool(fileno(spool_), "<ledger spool>");
    std::string_view line;
    while (spool.next(line)) {
      const auto f = csv::parse_record(line, spool.where());
      if (!keys.insert(key_of(f[kNode], f[kWindowStart], f[kWindowEnd])).second) {
        ++result.already_present;
        continue;
      }
      out.append(line);
      out.append("\r\n");
      ++result.appended;
    }
  }
  if (!out.empty()) write_all(ledger.fd, out, path_, size);
  return result;  // closing the descriptor releases the lock
}

void preflight_ledger(const std::string& path) {
  Fd ledger;
  ledger.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ledger.fd < 0) {
    if (errno == ENOENT) return;
    throw UsageError(cat(path, ": cannot open the ledger: ", std::strerror(errno), "; check --ledger"));
  }
  lock(ledger.fd, LOCK_SH, path);
  LineReader reader(ledger.fd, path);
  std::string_view line;
  if (!reader.next(line)) return;
  if (reader.last_line_unterminated()) {  // a cut-short first line: the writer repairs it, if it is ours
    const std::string_view prefix = "ledger_version";
    if (line.substr(0, prefix.size()) != prefix.substr(0, std::min(prefix.size(), line.size())))
      throw UsageError(cat(path, ":1: not a price-calc ledger (its first column is not ledger_version); ",
                           "point --ledger at a ledger file or a new path"));
    return;
  }
  check_header(csv::parse_record(line, reader.where()), reader, path);
  if (reader.next(line) && !reader.last_line_unterminated()) check_version(csv::parse_record(line, reader.where()), reader.where(), path);
}

void read_ledger(const std::string& path, const std::function<void(CostRow&)>& on_row) {
  Fd ledger;
  ledger.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ledger.fd < 0)
    throw UsageError(cat(path, ": cannot open the ledger: ", std::strerror(errno), "; check --ledger"));
  lock(ledger.fd, LOCK_SH, path);
  LineReader reader(ledger.fd, path);
  std::string_view line;
  if (!reader.next(line)) return;  // an empty ledger has no rows
  check_header(csv::parse_record(line, reader.where()), reader, path);
  while (reader.next(line)) {
    if (line.empty()) continue;
    const std::string where = reader.where();
    if (reader.last_line_unterminated()) {
      log::warn(cat(where, ": partial last row (a writer is appending or stopped mid-write); skipped"));
      break;
    }
    const auto f = csv::parse_record(line, where);
    check_version(f, where, path);
    CostRow row = ledger_row(f, where);
    on_row(row);
  }
}

}  // namespace sf::pc
