// CSV as RFC 4180 defines it: fields separated by commas, records ended by CRLF, a field
// quoted when it holds a comma, a double quote, CR or LF, and quotes inside doubled. Used by
// every tool that writes CSV for spreadsheets and finance tools, and to read such files back.
//
// Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with
// = + - @ TAB or CR as a formula, and node names come from exporters. Every text cell written
// here that starts with one of those (or with the quote that marks neutralised cells) gets a
// leading single quote, so it shows as text; numbers ("-1.5", "2e-07") are left alone. The
// reader removes that one quote again, so what append_record wrote, parse_record reads back
// exactly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sf::csv {

// True when `field` must be quoted (comma, quote, CR, LF, or leading/trailing blank).
bool needs_quotes(std::string_view field);

// True when a spreadsheet would take `text` for a formula (or it starts with the marking quote).
bool needs_neutralising(std::string_view text);

// Appends `field` to `out`: neutralised when needed, then quoted and escaped when needed.
void append_field(std::string& out, std::string_view field);

// Appends a whole record: fields joined by ',' and terminated by "\r\n".
void append_record(std::string& out, const std::vector<std::string>& fields);

// Splits one record that sits on one line (its line break already removed, a trailing '\r'
// tolerated), undoing append_field's neutralising quote. Throws sf::ParseError naming `where`
// on an unterminated quote or on text after a closing quote. Records with line breaks inside
// quotes are not supported by this reader.
std::vector<std::string> parse_record(std::string_view line, const std::string& where);

}  // namespace sf::csv
