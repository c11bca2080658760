# Build-wide settings: warnings, sanitizers, fuzzing, test helpers.

# Warnings are on everywhere; CAEC_WERROR turns them into errors. The test
# command (scripts/test.sh) and CI build with it; it is off by default so that
# a newer compiler's new warning cannot break a user's build.
option(CAEC_WERROR "Treat compiler warnings as errors (on in the test command)" OFF)
add_compile_options(-Wall -Wextra -fno-strict-aliasing)
if(CAEC_WERROR)
  add_compile_options(-Werror)
endif()

# CAEC_SANITIZE: "" (none), "address,undefined" or "thread".
set(CAEC_SANITIZE "" CACHE STRING "Sanitizers to build with: address,undefined | thread")
if(CAEC_SANITIZE)
  add_compile_options(-fsanitize=${CAEC_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${CAEC_SANITIZE})
endif()

# CAEC_FUZZ: build the libFuzzer harnesses (clang only).
option(CAEC_FUZZ "Build libFuzzer harnesses (needs clang)" OFF)
if(CAEC_FUZZ AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "CAEC_FUZZ needs clang (configure with CC=clang)")
endif()
# Seconds each fuzz harness runs for in the test suite.
set(CAEC_FUZZ_SECONDS 60 CACHE STRING "Seconds per fuzz harness run under ctest")

# caec_add_test(NAME name SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s] [ARGS ...])
# A cmocka test program registered with CTest. Tests run from the source tree's
# top so that ../shared/ is reachable as the issues require.
function(caec_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "CAEC_SOURCE_DIR=${PROJECT_SOURCE_DIR};CAEC_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared")
  if(T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()

# caec_add_fuzzer(NAME name SOURCES ... LIBS ... [CORPUS dir])
# A libFuzzer harness, built only with CAEC_FUZZ, run for CAEC_FUZZ_SECONDS under
# the label "fuzz".
function(caec_add_fuzzer)
  cmake_parse_arguments(F "" "NAME;CORPUS" "SOURCES;LIBS" ${ARGN})
  if(NOT CAEC_FUZZ)
    return()
  endif()
  add_executable(${F_NAME} ${F_SOURCES})
  target_compile_options(${F_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
  set(work ${CMAKE_CURRENT_BINARY_DIR}/${F_NAME}-corpus)
  set(seeds "")
  if(F_CORPUS)
    set(seeds ${F_CORPUS})
  endif()
  add_test(NAME ${F_NAME}
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
      sh -c "mkdir -p '${work}' && exec \"$0\" -max_total_time=${CAEC_FUZZ_SECONDS} -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 '${work}' ${seeds}" $<TARGET_FILE:${F_NAME}>
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  math(EXPR limit "${CAEC_FUZZ_SECONDS} * 2 + 120")
  set_tests_properties(${F_NAME} PROPERTIES LABELS fuzz TIMEOUT ${limit})
endfunction()

# caec_code_section(target section)
# Moves the machine code of a static library into an output section of its own
# (objcopy renames .text and .text.unlikely in every member after the archive
# is made), so that a program linking it gets __start_<section>/__stop_<section>
# around exactly that library's code. hostsim's EL3 measures the monitor and the
# platform this way, as distinct firmware components of the platform token.
if(NOT CMAKE_OBJCOPY)
  message(FATAL_ERROR "objcopy not found (binutils): the firmware measurements need it")
endif()
function(caec_code_section target section)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_OBJCOPY} --rename-section .text=${section}
            --rename-section .text.unlikely=${section} $<TARGET_FILE:${target}>
    VERBATIM)
endfunction()
