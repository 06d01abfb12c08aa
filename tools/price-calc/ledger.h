// The cost ledger: a CSV file (RFC 4180) that cron appends to, one row per (node, window).
//
// - Idempotent: a row whose (node, window_start, window_end) is already in the ledger is not
//   appended again, so re-running a window never double-counts.
// - Safe under concurrent writers: appends happen under an exclusive flock(2) on the ledger,
//   after reading it, in one O_APPEND write of whole lines, then fsync. Every wait for the lock
//   is bounded (--lock-timeout); when it runs out the message names the holder (pid and command
//   from /proc/locks). Readers hold a shared lock only long enough to note the ledger's size,
//   then read that many bytes without it (the ledger only grows by whole rows), so a reader
//   stalled on a pager never blocks the cron writer.
// - Nothing half-written: rows are spooled to a temporary file while the input is priced and
//   only appended once the input is done. A failed append is undone (the ledger is cut back to
//   its size before); a failed first append leaves no ledger at all. A partial last line left
//   by a writer that died mid-write is cut off (with a warning) by the next writer.
// - One currency: a row in another currency than the ledger's is refused before anything is
//   printed (preflight) and again at append time, under the lock.
// - Versioned: every row starts with ledger_version; a ledger holding a row written by a newer
//   price-calc, anywhere, is refused (exit 2) before anything is printed, never extended.
// - The columns are row fields of the one field table (cost_row.h), in the order ledger
//   version 1 fixed (kLedgerColumnsV1), between ledger_version and recorded_at.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "price-calc/alloc_row.h"
#include "price-calc/cost_model.h"

namespace sf::pc {

constexpr int kLedgerVersion = 1;
constexpr std::chrono::milliseconds kDefaultLockWait{60'000};

// A ledger's layout: its frozen columns and where the key, the window and the currency are.
// Node ledgers (price-calc --ledger) key rows by (node, window); allocation ledgers (price-calc
// --by --ledger) by (name, window), name being namespace/kind/controller or NODE/__idle__.
struct LedgerSchema {
  std::vector<std::string> columns;
  const char* kind = "";  // "a node", "an allocation"
  size_t key_column = 0, start_column = 0, end_column = 0, currency_column = 0;
};
const LedgerSchema& node_ledger_schema();
const LedgerSchema& alloc_ledger_schema();

const std::vector<std::string>& ledger_columns();  // the node ledger's
std::vector<std::string> ledger_fields(const CostRow& row, const std::string& recorded_at);
// Rebuilds a row (resource-hours, rates, costs) from a ledger record; throws ParseError.
CostRow ledger_row(const std::vector<std::string>& fields, const std::string& where);
// The same for allocation ledgers.
std::vector<std::string> alloc_ledger_fields(const AllocRow& row, const std::string& recorded_at);
AllocRow alloc_ledger_row(const std::vector<std::string>& fields, const std::string& where);

struct LedgerResult {
  size_t appended = 0;
  size_t already_present = 0;  // same (node, window) already in the ledger, or twice in the input
  bool created = false;
};

class LedgerWriter {
 public:
  explicit LedgerWriter(std::string path, std::chrono::milliseconds lock_wait = kDefaultLockWait,
                        const LedgerSchema& schema = node_ledger_schema());
  ~LedgerWriter();
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  void add(const CostRow& row);   // spooled, not yet in the ledger (node ledgers)
  void add(const AllocRow& row);  // the same for allocation ledgers
  LedgerResult commit();         // lock, check, skip rows already present, append, fsync
  size_t spooled() const { return spooled_; }

 private:
  void spool(const std::vector<std::string>& fields, const std::string& currency, Clock::time_point start);

  std::string path_;
  std::chrono::milliseconds lock_wait_;
  const LedgerSchema& schema_;
  std::FILE* spool_ = nullptr;
  size_t spooled_ = 0;
  std::string currency_;
  std::string recorded_at_;
  std::string line_;
  std::optional<Clock::time_point> min_start_, max_start_;
};

// Fails early (UsageError) when `path` exists but is not a ledger this version can extend in
// `currency`: not a ledger, a directory, a row of a newer version anywhere, a row in another
// currency. A missing file is fine: the first append creates it.
void preflight_ledger(const std::string& path, const std::string& currency,
                      std::chrono::milliseconds lock_wait = kDefaultLockWait,
                      const LedgerSchema& schema = node_ledger_schema());

struct LedgerRange {
  std::optional<Clock::time_point> from;  // window_start >= from
  std::optional<Clock::time_point> to;    // window_start < to
};

// Reads the rows whose window_start is in `range`, in file order, from a snapshot of the ledger
// (see above). Everything is checked before the first on_row call: a missing file, not a ledger,
// a row of a newer version anywhere (UsageError), a bad row (ParseError), rows in range that mix
// currencies (UsageError).
void read_ledger(const std::string& path, const LedgerRange& range, const std::function<void(CostRow&)>& on_row,
                 std::chrono::milliseconds lock_wait = kDefaultLockWait);
void read_alloc_ledger(const std::string& path, const LedgerRange& range, const std::function<void(AllocRow&)>& on_row,
                       std::chrono::milliseconds lock_wait = kDefaultLockWait);

// Which kind of ledger `path` is, from its header (an empty file: node). UsageError when missing.
enum class LedgerKind { kNode, kAllocation };
LedgerKind ledger_kind(const std::string& path, std::chrono::milliseconds lock_wait = kDefaultLockWait);

}  // namespace sf::pc
