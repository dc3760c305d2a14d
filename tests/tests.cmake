# tests/tests.cmake — every test, driven by ctest.
#
#   unit/<module>/<name>   cmocka tests of logic (tests/unit/**/test_*.c)
#   api/<name>             a real `pilotlight serve` over HTTP (tests/api)
#   fuzz/<name>            each libFuzzer target on its seed corpus, briefly
#   checksrc, format       banned functions, function length, clang-format

pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

set(PL_TEST_ENV
  "PILOTLIGHT_BIN=$<TARGET_FILE:pilotlight>"
  "PILOTLIGHT_SRC=${CMAKE_SOURCE_DIR}"
  "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")

file(GLOB_RECURSE PL_UNIT_TESTS CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${PL_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  get_filename_component(dir ${src} DIRECTORY)
  get_filename_component(module ${dir} NAME)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE plcore PkgConfig::CMOCKA)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  add_test(NAME unit/${module}/${name} COMMAND ${name})
  set_tests_properties(unit/${module}/${name} PROPERTIES
    ENVIRONMENT "${PL_TEST_ENV}" TIMEOUT 120)
endforeach()

file(GLOB PL_API_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/api/test_*.c)
add_library(plharness STATIC ${CMAKE_SOURCE_DIR}/tests/api/harness.c
            ${CMAKE_SOURCE_DIR}/tests/api/accounts.c)
target_link_libraries(plharness PUBLIC PkgConfig::CMOCKA PkgConfig::CURL
                      PkgConfig::JANSSON PkgConfig::SODIUM Threads::Threads)
foreach(src ${PL_API_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(api_${name} ${src})
  target_link_libraries(api_${name} PRIVATE plharness)
  target_include_directories(api_${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/api)
  add_dependencies(api_${name} pilotlight)
  add_test(NAME api/${name} COMMAND api_${name})
  set_tests_properties(api/${name} PROPERTIES
    ENVIRONMENT "${PL_TEST_ENV}" TIMEOUT 300)
endforeach()

if(PL_FUZZ AND CMAKE_C_COMPILER_ID STREQUAL "Clang")
  # The same sources again, with coverage instrumentation for libFuzzer.
  add_library(plcore_fuzz STATIC ${PL_SOURCES})
  target_compile_options(plcore_fuzz PRIVATE -fsanitize=fuzzer-no-link)
  target_include_directories(plcore_fuzz PUBLIC ${CMAKE_SOURCE_DIR}/src
                             PRIVATE ${CMAKE_BINARY_DIR}/gen)
  target_link_libraries(plcore_fuzz PUBLIC ${PL_LIBS})
  add_dependencies(plcore_fuzz plversion plcommonpw)
  file(GLOB PL_FUZZERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
  foreach(src ${PL_FUZZERS})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE plcore_fuzz)
    set(work ${CMAKE_BINARY_DIR}/corpus/${name})
    file(MAKE_DIRECTORY ${work})
    add_test(NAME fuzz/${name}
      COMMAND ${name} -max_total_time=15 -timeout=10 -rss_limit_mb=2048
              ${work} ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${name})
    set_tests_properties(fuzz/${name} PROPERTIES
      ENVIRONMENT "${PL_TEST_ENV}" TIMEOUT 120)
  endforeach()
endif()

add_test(NAME checksrc COMMAND ${CMAKE_SOURCE_DIR}/tools/checksrc
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
add_test(NAME format COMMAND ${CMAKE_SOURCE_DIR}/tools/checkformat
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})

# Browser tests: node's test runner, playwright-core, Debian's chromium.
find_program(PL_NODE node)
if(PL_NODE AND EXISTS ${CMAKE_SOURCE_DIR}/tests/browser/node_modules/playwright-core)
  file(GLOB PL_BROWSER_TESTS CONFIGURE_DEPENDS
    ${CMAKE_SOURCE_DIR}/tests/browser/*.test.js)
  foreach(src ${PL_BROWSER_TESTS})
    get_filename_component(name ${src} NAME_WE)
    add_test(NAME browser/${name} COMMAND ${PL_NODE} --test ${src}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/browser)
    set_tests_properties(browser/${name} PROPERTIES
      ENVIRONMENT "${PL_TEST_ENV}" TIMEOUT 300)
  endforeach()
else()
  message(FATAL_ERROR "browser tests need node and tests/browser/node_modules: run scripts/bootstrap")
endif()
