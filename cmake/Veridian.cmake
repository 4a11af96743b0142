# Build helpers shared by every CMakeLists.txt.
#
# veridian_host_target(T)      warnings (+ sanitizers when VERIDIAN_SANITIZE) for a host target
# veridian_guest_target(T)     freestanding flags for code that runs inside Veridian
# veridian_add_program(NAME DEST dir SOURCES ...)
#                              an OS program: freestanding static-PIE x86_64 ELF linked only
#                              against libveridian, installed into the boot image at DEST/NAME
# veridian_add_dual_library(NAME SOURCES ...)
#                              a portable library (os/lib) built twice: NAME_host, NAME_guest

set(VERIDIAN_WARNINGS -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes)
if(VERIDIAN_WERROR)
  list(APPEND VERIDIAN_WARNINGS -Werror)
endif()

set(VERIDIAN_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE VERIDIAN_CC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)

# Guest code: no host headers, no host libc, no TLS, no stack protector (no canary source),
# position independent (the loader applies R_X86_64_RELATIVE and nothing else).
# VERIDIAN_GUEST_BASE_CFLAGS is everything but the compiler's own include directory (which
# depends on the compiler), so the SDK (cmake/VeridianSdk.cmake) hands out the same flags.
set(VERIDIAN_GUEST_BASE_CFLAGS
    -ffreestanding -fPIE -fno-plt -fno-stack-protector -fno-asynchronous-unwind-tables
    -fno-exceptions -fcf-protection=none -nostdinc
    $<$<C_COMPILER_ID:GNU>:-fno-tree-loop-distribute-patterns>)
# The build directory's name stays out of guest binaries (debug info): build/ and build-asan/
# then pack byte-identical boot images, so their runs give one trace digest (.ci/run).
set(VERIDIAN_GUEST_CFLAGS ${VERIDIAN_GUEST_BASE_CFLAGS} -isystem ${VERIDIAN_CC_INCLUDE}
    -ffile-prefix-map=${CMAKE_BINARY_DIR}=.)
set(VERIDIAN_GUEST_LDFLAGS -nostdlib -static-pie -Wl,-z,noexecstack -Wl,--build-id=none
    -Wl,-z,norelro -Wl,--hash-style=gnu)
set(VERIDIAN_GUEST_DEFINES VERIDIAN_GUEST=1)

function(veridian_host_target t)
  target_compile_options(${t} PRIVATE ${VERIDIAN_WARNINGS})
  target_compile_definitions(${t} PRIVATE _GNU_SOURCE)
  target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/os/include ${PROJECT_SOURCE_DIR})
  if(VERIDIAN_SANITIZE)
    target_compile_options(${t} PRIVATE ${VERIDIAN_SANITIZE_FLAGS})
    target_link_options(${t} PRIVATE ${VERIDIAN_SANITIZE_FLAGS})
  endif()
  if(VERIDIAN_FUZZ)
    # coverage feedback from the code under test, not just from the harness
    target_compile_options(${t} PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
    target_link_options(${t} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

function(veridian_guest_target t)
  target_compile_options(${t} PRIVATE ${VERIDIAN_WARNINGS} ${VERIDIAN_GUEST_CFLAGS})
  target_include_directories(${t} BEFORE PRIVATE ${PROJECT_SOURCE_DIR}/libveridian/include
                             ${PROJECT_SOURCE_DIR}/os/include ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${t} PRIVATE ${VERIDIAN_GUEST_DEFINES})
endfunction()

function(veridian_add_dual_library name)
  cmake_parse_arguments(A "" "" "SOURCES" ${ARGN})
  add_library(${name}_host STATIC ${A_SOURCES})
  veridian_host_target(${name}_host)
  add_library(${name}_guest STATIC ${A_SOURCES})
  veridian_guest_target(${name}_guest)
endfunction()

set_property(GLOBAL PROPERTY VERIDIAN_PROGRAMS "")
set_property(GLOBAL PROPERTY VERIDIAN_PROGRAM_FILES "")

function(veridian_add_program name)
  cmake_parse_arguments(A "" "DEST;IMAGE" "SOURCES;LIBS" ${ARGN})
  if(NOT A_DEST)
    set(A_DEST bin)
  endif()
  if(A_IMAGE STREQUAL "test")
    # test programs live only in test.bootfs, under /test
    set(t osprog_test_${name})
    add_executable(${t} ${A_SOURCES})
    veridian_guest_target(${t})
    target_link_options(${t} PRIVATE ${VERIDIAN_GUEST_LDFLAGS})
    target_link_libraries(${t} PRIVATE ${A_LIBS} veridian_c gcc)
    set_target_properties(${t} PROPERTIES OUTPUT_NAME ${name}
                          RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/testfs/test)
    set_property(GLOBAL APPEND PROPERTY VERIDIAN_TEST_PROGRAMS ${t})
    return()
  endif()
  set(t osprog_${name})
  add_executable(${t} ${A_SOURCES})
  veridian_guest_target(${t})
  target_link_options(${t} PRIVATE ${VERIDIAN_GUEST_LDFLAGS})
  target_link_libraries(${t} PRIVATE ${A_LIBS} veridian_c gcc)
  set_target_properties(${t} PROPERTIES OUTPUT_NAME ${name}
                        RUNTIME_OUTPUT_DIRECTORY ${VERIDIAN_ROOTFS}/${A_DEST})
  set_property(GLOBAL APPEND PROPERTY VERIDIAN_PROGRAMS ${t})
  set_property(GLOBAL APPEND PROPERTY VERIDIAN_PROGRAM_FILES "${A_DEST}/${name}")
endfunction()

# Unit tests: Check suites in the host build, label `unit`. The executable is NAME
# (test_<module>); the CTest name is unit.<subsys>.<module>, <subsys> being the directory
# under tests/unit/, so `ctest -R unit.kernel` finds the kernel's tests.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CHECK REQUIRED IMPORTED_TARGET check)

function(veridian_add_unit_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  veridian_host_target(${name})
  target_link_libraries(${name} PRIVATE ${A_LIBS} PkgConfig::CHECK)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 120)
  endif()
  get_filename_component(subsys ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  string(REGEX REPLACE "^test_" "" module ${name})
  string(REGEX REPLACE "^${subsys}_" "" module ${module})
  add_test(NAME unit.${subsys}.${module} COMMAND ${name})
  set_tests_properties(unit.${subsys}.${module} PROPERTIES LABELS unit TIMEOUT ${A_TIMEOUT}
                       ENVIRONMENT "CK_DEFAULT_TIMEOUT=60")
endfunction()

# libFuzzer harnesses (only in a clang tree configured with -DVERIDIAN_FUZZ=ON), label
# `fuzz-smoke`: each runs for a short fixed number of inputs from a generated seed corpus.
if(VERIDIAN_FUZZ AND NOT TARGET fuzzers)
  add_custom_target(fuzzers)
endif()
function(veridian_add_fuzzer name)
  cmake_parse_arguments(A "" "RUNS" "SOURCES;LIBS;SEEDS" ${ARGN})
  if(NOT VERIDIAN_FUZZ)
    return()
  endif()
  if(NOT A_RUNS)
    set(A_RUNS 200000)
  endif()
  add_executable(${name} ${A_SOURCES})
  veridian_host_target(${name})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${A_LIBS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  add_dependencies(fuzzers ${name})
  set(corpus ${CMAKE_BINARY_DIR}/fuzz/${name}-corpus)
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
                   $<TARGET_FILE:${name}> -runs=${A_RUNS} -seed=1 -max_len=65536 ${corpus} ${A_SEEDS})
  set_tests_properties(${name} PROPERTIES LABELS fuzz-smoke TIMEOUT 300)
  file(MAKE_DIRECTORY ${corpus})
endfunction()

# Boot images, packed after every program is known (called at the end of the top-level
# CMakeLists.txt):
#   build/veridian.bootfs   the default system: programs with IMAGE default, os/etc
#   build/test.bootfs       the same plus the test programs (IMAGE test, under /test)
function(veridian_add_images)
  get_property(progs GLOBAL PROPERTY VERIDIAN_PROGRAMS)
  get_property(tprogs GLOBAL PROPERTY VERIDIAN_TEST_PROGRAMS)
  file(GLOB_RECURSE etc_files RELATIVE ${PROJECT_SOURCE_DIR}/os/etc ${PROJECT_SOURCE_DIR}/os/etc/*)
  set(etc_outputs)
  foreach(f ${etc_files})
    add_custom_command(OUTPUT ${VERIDIAN_ROOTFS}/etc/${f}
                       COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/os/etc/${f}
                               ${VERIDIAN_ROOTFS}/etc/${f}
                       DEPENDS ${PROJECT_SOURCE_DIR}/os/etc/${f})
    list(APPEND etc_outputs ${VERIDIAN_ROOTFS}/etc/${f})
  endforeach()
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/veridian.bootfs
                     COMMAND $<TARGET_FILE:mkbootfs> -o ${CMAKE_BINARY_DIR}/veridian.bootfs
                             ${VERIDIAN_ROOTFS}
                     DEPENDS mkbootfs ${progs} ${etc_outputs}
                     COMMENT "Packing veridian.bootfs")
  add_custom_target(bootfs ALL DEPENDS ${CMAKE_BINARY_DIR}/veridian.bootfs)
  set(testroot ${CMAKE_BINARY_DIR}/testfs)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/test.bootfs
                     COMMAND ${CMAKE_COMMAND} -E copy_directory ${VERIDIAN_ROOTFS} ${testroot}
                     COMMAND $<TARGET_FILE:mkbootfs> -o ${CMAKE_BINARY_DIR}/test.bootfs ${testroot}
                     DEPENDS mkbootfs ${progs} ${tprogs} ${etc_outputs}
                     COMMENT "Packing test.bootfs")
  add_custom_target(testbootfs ALL DEPENDS ${CMAKE_BINARY_DIR}/test.bootfs)
endfunction()
