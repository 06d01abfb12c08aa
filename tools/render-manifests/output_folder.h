// The one output render-manifests has that tools/common does not: a template set's outputs as a
// folder replaced as a whole (-o DIR). Everything else it writes goes through tools/common:
// stdout and -o FILE through sf::Output / sf::OutputFile (output.h), JSON lines through
// json_lines.h, and its inputs are read with file_read.h.
#pragma once

#include <map>
#include <string>

namespace sf::rm {

// Replaces the folder `dir` with exactly `files` (relative path -> content): they are written
// to a new folder beside it (every write checked, each file fsync'd), then swapped in with two
// renames, so the old set is replaced only by a complete new one. A folder that exists, is not
// empty and lacks the marker file this function writes (".render-manifests") is refused: it
// was not made by this tool.
void replace_directory(const std::string& dir, const std::map<std::string, std::string>& files);

}  // namespace sf::rm
