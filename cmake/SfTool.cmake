# sf_add_tool(NAME LIB): the layout every tools/<name>/ folder follows. Every *.cc except
# main.cc and *_test.cc forms the library LIB (shared by the binary, its tests and fuzzers);
# main.cc is the binary NAME (installed); the *_test.cc files beside the modules form the
# Catch2 binary NAME_tests, one ctest test per TEST_CASE, labelled "unit".
include(GNUInstallDirs)

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

  add_executable(${name}_tests ${tests})
  target_link_libraries(${name}_tests PRIVATE ${lib} Catch2::Catch2WithMain)
  # g++ 12 false positive on inlined std::string concatenation in tests (GCC bug 105329).
  target_compile_options(${name}_tests PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
  catch_discover_tests(${name}_tests TEST_PREFIX "${name}." PROPERTIES LABELS unit)
endfunction()

# sf_add_tool_fuzzers(LIB SHORT [IGNORE_RAPIDJSON]): libFuzzer targets for a tool's parsers
# (only with -DSF_FUZZ=ON, clang): every tests/fuzz/SHORT/fuzz_<name>.cc, linked with LIB,
# becomes fuzz_<name>_SHORT in the `fuzzers` target; scripts/run-fuzzers.sh seeds it from
# tests/fuzz/corpus/<name>_SHORT/. IGNORE_RAPIDJSON compiles LIB and the targets with
# cmake/fuzz-sanitizer-ignore.txt (RapidJSON 1.1's stack.h, which UBSan flags on first use).
function(sf_add_tool_fuzzers lib short)
  cmake_parse_arguments(ARG "IGNORE_RAPIDJSON" "" "" ${ARGN})
  if(NOT SF_FUZZ)
    return()
  endif()
  set(ARG_OPTIONS)
  if(ARG_IGNORE_RAPIDJSON)
    set(ARG_OPTIONS -fsanitize-ignorelist=${CMAKE_SOURCE_DIR}/cmake/fuzz-sanitizer-ignore.txt)
    target_compile_options(${lib} PRIVATE ${ARG_OPTIONS})
  endif()
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/${short}/fuzz_*.cc)
  foreach(src ${sources})
    get_filename_component(base ${src} NAME_WE)
    set(name ${base}_${short})
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined ${ARG_OPTIONS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE ${lib})
    if(TARGET fuzzers)
      add_dependencies(fuzzers ${name})
    endif()
  endforeach()
endfunction()
