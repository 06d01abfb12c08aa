// The cost ledger: a CSV file (RFC 4180) that cron appends to, one row per (node, window).
//
// - Idempotent: a row whose (node, window_start, window_end) is already in the ledger is not
//   appended again, so re-running a window never double-counts.
// - Safe under concurrent writers: appends happen under an exclusive flock(2) on the ledger,
//   after reading it, in one O_APPEND write of whole lines, then fsync. Readers take a shared lock.
// - Nothing half-written: rows are spooled to a temporary file while the input is priced and
//   only appended once the whole input was read without error. A partial last line left by a
//   writer that died mid-write is cut off (with a warning) by the next writer.
// - Versioned: every row starts with ledger_version; a ledger written by a newer price-calc is
//   refused (exit 2) rather than misread or extended.
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "price-calc/cost_model.h"

namespace sf::pc {

constexpr int kLedgerVersion = 1;

const std::vector<std::string>& ledger_columns();
std::vector<std::string> ledger_fields(const CostRow& row, const std::string& recorded_at);
// Rebuilds a row (resource-hours, rates, costs) from a ledger record; throws ParseError.
CostRow ledger_row(const std::vector<std::string>& fields, const std::string& where);

struct LedgerResult {
  size_t appended = 0;
  size_t already_present = 0;  // same (node, window) already in the ledger, or twice in the input
  bool created = false;
};

class LedgerWriter {
 public:
  explicit LedgerWriter(std::string path);
  ~LedgerWriter();
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  void add(const CostRow& row);  // spooled, not yet in the ledger
  LedgerResult commit();         // lock, skip rows already present, append, fsync
  size_t spooled() const { return spooled_; }

 private:
  std::string path_;
  std::FILE* spool_ = nullptr;
  size_t spooled_ = 0;
  std::string recorded_at_;
  std::string line_;
  std::optional<Clock::time_point> min_start_, max_start_;
};

// Fails early (UsageError) when `path` exists but is not a ledger this version can extend, so a
// run refuses before printing anything. A missing file is fine: the first append creates it.
void preflight_ledger(const std::string& path);

// Reads every row under a shared lock, in file order; throws UsageError when the file is
// missing, not a ledger, or from a newer version, ParseError on a bad row.
void read_ledger(const std::string& path, const std::function<void(CostRow&)>& on_row);

}  // namespace sf::pc
