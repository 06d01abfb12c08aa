# sf_add_tool(NAME LIB): the layout every tools/<name>/ folder follows. Every *.cc except
# main.cc and *_test.cc forms the library LIB (shared by the binary, its tests and fuzzers);
# main.cc is the binary NAME (installed, with its man page and bash completion, both generated
# from the binary itself); the *_test.cc files beside the modules form the Catch2 binary
# NAME_tests, one ctest test per TEST_CASE, labelled "unit".
include(GNUInstallDirs)
find_program(SF_HELP2MAN help2man)
if(NOT SF_HELP2MAN)
  message(WARNING "help2man not found: no man pages are built or installed (scripts/install-deps.sh build)")
endif()

# The man page (help2man over --help) and bash completion (--completion bash) of tool NAME,
# built into build/share and installed under share/man/man1 and share/bash-completion.
function(sf_tool_docs name)
  set(share ${CMAKE_BINARY_DIR}/share)
  set(outputs ${share}/bash-completion/completions/${name})
  set(kinds completion)
  if(SF_HELP2MAN)
    list(APPEND outputs ${share}/man/man1/${name}.1)
    list(APPEND kinds man)
    install(FILES ${share}/man/man1/${name}.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  endif()
  add_custom_command(OUTPUT ${outputs}
    COMMAND ${CMAKE_SOURCE_DIR}/scripts/gen-tool-docs.sh $<TARGET_FILE:${name}> ${share} ${kinds}
    DEPENDS ${name} ${CMAKE_SOURCE_DIR}/scripts/gen-tool-docs.sh
    COMMENT "man page and bash completion of ${name}" VERBATIM)
  add_custom_target(${name}_docs ALL DEPENDS ${outputs})
  install(FILES ${share}/bash-completion/completions/${name}
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
endfunction()

function(sf_add_tool name lib)
  set(dir ${CMAKE_CURRENT_SOURCE_DIR})
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cc)
  file(GLOB tests CONFIGURE_DEPENDS ${dir}/*_test.cc)
  list(REMOVE_ITEM sources ${tests} ${dir}/main.cc)

  add_library(${lib} STATIC ${sources})
  target_link_libraries(${lib} PUBLIC sf_common)

  add_executable(${name} main.cc)
  target_link_libraries(${name} PRIVATE ${lib})
  install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  sf_tool_docs(${name})

  add_executable(${name}_tests ${tests})
  target_link_libraries(${name}_tests PRIVATE ${lib} Catch2::Catch2WithMain)
  # g++ 12 false positives on inlined std::string concatenation in tests (GCC bugs 105329 and
  # 105651: -Wrestrict, -Wstringop-overflow on char_traits::copy).
  target_compile_options(${name}_tests PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict -Wno-stringop-overflow>)
  # Catch2 v2 is one 17,000-line header that every *_test.cc includes: parsed once per target
  # (about a second saved per test file and build, three builds in CI).
  target_precompile_headers(${name}_tests PRIVATE <catch2/catch.hpp>)
  catch_discover_tests(${name}_tests TEST_PREFIX "${name}." PROPERTIES LABELS unit FAIL_REGULAR_EXPRESSION "No test cases matched")
endfunction()

# sf_add_tool_fuzzers(LIB SHORT): libFuzzer targets for a tool's parsers (only with
# -DSF_FUZZ=ON, clang): every tests/fuzz/SHORT/fuzz_<name>.cc, linked with LIB, becomes
# fuzz_<name>_SHORT in the `fuzzers` target; scripts/run-fuzzers.sh seeds it from
# tests/fuzz/corpus/<name>_SHORT/.
function(sf_add_tool_fuzzers lib short)
  if(NOT SF_FUZZ)
    return()
  endif()
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/${short}/fuzz_*.cc)
  foreach(src ${sources})
    get_filename_component(base ${src} NAME_WE)
    set(name ${base}_${short})
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,${SF_SANITIZERS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,${SF_SANITIZERS})
    target_link_libraries(${name} PRIVATE ${lib})
    if(TARGET fuzzers)
      add_dependencies(fuzzers ${name})
    endif()
  endforeach()
endfunction()
