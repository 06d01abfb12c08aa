// The subcommands of render-manifests, one file each (cmd_*.cc); main.cc dispatches on the first
// argument. Each takes the arguments after the subcommand's name (argv[0] is the name itself).
#pragma once

namespace sf::rm {

int run_facts(int argc, char** argv);
int run_render(int argc, char** argv);
int run_images(int argc, char** argv);
int run_charts(int argc, char** argv);
int run_lint(int argc, char** argv);

}  // namespace sf::rm
