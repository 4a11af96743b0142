# The SDK for programs written outside this tree: veridian_add_sdk() (called at the end of the
# top-level CMakeLists.txt, once libveridian and mkbootfs exist) makes target `sdk`, part of
# `all`, which fills build/sdk/:
#
#   include/                      libveridian's headers and os/include (the ABI and protocols)
#   lib/libveridian.a             the C library every program links (crt0 included)
#   lib/pkgconfig/veridian.pc     pkg-config: compile and link flags
#   lib/cmake/Veridian/           find_package(Veridian): Veridian::veridian, veridian_add_program
#   bin/mkbootfs                  packs programs into an image (--from IMAGE --add NAME=FILE)
#
# The flags come from the variables veridian_add_program uses (cmake/Veridian.cmake), so the
# SDK cannot drift from the tree. Paths inside the SDK are relative to it (the directory can be
# moved), except the compiler's include directory in veridian.pc, which is the build's.
# tests/sdk builds a program with nothing but build/sdk and runs it in vrsim.

set(VERIDIAN_SDK_VERSION 0.1)

function(veridian_add_sdk)
  set(sdk ${CMAKE_BINARY_DIR}/sdk)
  set(header_dirs ${PROJECT_SOURCE_DIR}/libveridian/include ${PROJECT_SOURCE_DIR}/os/include)

  # Headers: both trees merge into include/; a name in both would be shadowed, so refuse it.
  set(headers)
  set(seen)
  foreach(d ${header_dirs})
    file(GLOB_RECURSE hs RELATIVE ${d} CONFIGURE_DEPENDS ${d}/*.h)
    foreach(h ${hs})
      if(h IN_LIST seen)
        message(FATAL_ERROR "SDK: include/${h} exists in more than one of: ${header_dirs}")
      endif()
      list(APPEND seen ${h})
      list(APPEND headers ${d}/${h})
    endforeach()
  endforeach()
  set(copy_dirs)
  foreach(d ${header_dirs})
    list(APPEND copy_dirs COMMAND ${CMAKE_COMMAND} -E copy_directory ${d} ${sdk}/include)
  endforeach()
  add_custom_command(OUTPUT ${sdk}/include.stamp
                     COMMAND ${CMAKE_COMMAND} -E rm -rf ${sdk}/include
                     ${copy_dirs}
                     COMMAND ${CMAKE_COMMAND} -E touch ${sdk}/include.stamp
                     DEPENDS ${headers}
                     COMMENT "SDK: headers")
  add_custom_command(OUTPUT ${sdk}/lib/libveridian.a
                     COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:veridian_c>
                             ${sdk}/lib/libveridian.a
                     DEPENDS veridian_c $<TARGET_FILE:veridian_c>
                     COMMENT "SDK: libveridian.a")
  add_custom_command(OUTPUT ${sdk}/bin/mkbootfs
                     COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:mkbootfs> ${sdk}/bin/mkbootfs
                     DEPENDS mkbootfs $<TARGET_FILE:mkbootfs>
                     COMMENT "SDK: mkbootfs")

  # CMake package: the flag lists go in as they are (the generator expression in them is
  # evaluated in the consuming project, for its compiler).
  # (Generated at configure time into sdk-gen/, copied into sdk/ by the build, so that the
  # build alone restores a deleted build/sdk.)
  set(gen ${CMAKE_BINARY_DIR}/sdk-gen)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/VeridianConfig.cmake.in
                 ${gen}/VeridianConfig.cmake @ONLY)
  include(CMakePackageConfigHelpers)
  write_basic_package_version_file(${gen}/VeridianConfigVersion.cmake
                                   VERSION ${VERIDIAN_SDK_VERSION} COMPATIBILITY SameMinorVersion)

  # pkg-config: the same lists as words; the generator expression is evaluated here, for this
  # build's compiler (the one veridian.pc names).
  set(defines)
  foreach(d ${VERIDIAN_GUEST_DEFINES})
    list(APPEND defines -D${d})
  endforeach()
  list(JOIN defines " " defines)
  list(JOIN VERIDIAN_GUEST_BASE_CFLAGS " " VERIDIAN_PC_CFLAGS)
  string(APPEND VERIDIAN_PC_CFLAGS " ${defines}")
  list(JOIN VERIDIAN_GUEST_LDFLAGS " " VERIDIAN_PC_LDFLAGS)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/veridian.pc.in ${gen}/veridian.pc.genex @ONLY)
  file(GENERATE OUTPUT ${gen}/veridian.pc INPUT ${gen}/veridian.pc.genex TARGET veridian_c)

  set(outputs ${sdk}/include.stamp ${sdk}/lib/libveridian.a ${sdk}/bin/mkbootfs)
  foreach(f lib/cmake/Veridian/VeridianConfig.cmake lib/cmake/Veridian/VeridianConfigVersion.cmake
            lib/pkgconfig/veridian.pc)
    get_filename_component(name ${f} NAME)
    add_custom_command(OUTPUT ${sdk}/${f}
                       COMMAND ${CMAKE_COMMAND} -E copy ${gen}/${name} ${sdk}/${f}
                       DEPENDS ${gen}/${name}
                       COMMENT "SDK: ${f}")
    list(APPEND outputs ${sdk}/${f})
  endforeach()
  add_custom_target(sdk ALL DEPENDS ${outputs})
endfunction()
