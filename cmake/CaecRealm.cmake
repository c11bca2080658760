# Realm images: position-independent shared objects the platform loads from a
# realm's measured memory (see plat/hostsim/include/hostsim/hostsim.h and
# sdk/arch/hostsim/include/caec/arch.h).
#
# Realm code is compiled -fPIC -ffreestanding -fno-stack-protector, hidden
# visibility, WITHOUT the build's sanitizers (it runs on realm stacks, in a
# realm's memory, with no C library), and linked -shared -nostdlib with
# --no-undefined, so an image that imports anything does not link.
#
# This file serves two builds: caec's own (the top CMakeLists.txt includes it)
# and a project that uses an installed caec (caecConfig.cmake includes the
# installed copy after it imported the sdk's targets). Both name the sdk's
# targets caec::abi, caec::sdk_arch_crt, caec::sdk_arch and caec::sdk_realm:
# in the source tree they are aliases of the targets sdk/ defines, in an
# installed package imported targets.
#
# caec_add_realm_library(NAME name SOURCES ... [LIBS ...])
#   A static library built the realm way (the sdk's caec_sdk_realm is one).
# caec_add_realm_image(NAME name SOURCES ... [LIBS ...] [NO_SDK])
#   The image ${NAME}.so: the sources, LIBS, the portable sdk (caec::sdk_realm,
#   when the build has it; NO_SDK leaves it out, for platform tests), the arch
#   layer (caec::sdk_arch) and the crt object with the entry point.
#
# CAEC_REALM_COMPILE_OPTIONS and CAEC_REALM_LINK_OPTIONS are the flags; the
# installed pkg-config file caec-realm.pc is written from the same two lists.

set(CAEC_REALM_COMPILE_OPTIONS
  -fPIC -ffreestanding -fno-stack-protector -fvisibility=hidden -fno-sanitize=all)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  # Keeps gcc from turning the sdk's own mem* loops into calls to themselves.
  list(APPEND CAEC_REALM_COMPILE_OPTIONS -fno-tree-loop-distribute-patterns)
endif()
set(CAEC_REALM_LINK_OPTIONS
  -nostdlib -Wl,--no-undefined -Wl,-z,noexecstack
  -Wl,-z,max-page-size=4096 -Wl,-z,common-page-size=4096)
# What every image links after its own code. Order matters for static
# archives: the portable sdk, the arch layer (whose weak defaults only fill
# what nothing else defined), libgcc (-nostdlib leaves it out; the compiler's
# helpers may call into it).
set(CAEC_REALM_ARCH_LIBS caec::sdk_arch caec::abi gcc)

# Drops the build-wide sanitizer flags a target inherited, adds the realm's.
function(caec_realm_target_flags target)
  foreach(prop COMPILE_OPTIONS LINK_OPTIONS)
    get_target_property(opts ${target} ${prop})
    if(opts)
      list(FILTER opts EXCLUDE REGEX "sanitize")
      set_property(TARGET ${target} PROPERTY ${prop} ${opts})
    endif()
  endforeach()
  target_compile_options(${target} PRIVATE ${CAEC_REALM_COMPILE_OPTIONS})
  set_property(TARGET ${target} PROPERTY POSITION_INDEPENDENT_CODE ON)
endfunction()

function(caec_add_realm_library)
  cmake_parse_arguments(R "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_library(${R_NAME} STATIC ${R_SOURCES})
  caec_realm_target_flags(${R_NAME})
  target_link_libraries(${R_NAME} PUBLIC caec::abi ${R_LIBS})
endfunction()

function(caec_add_realm_image)
  cmake_parse_arguments(R "NO_SDK" "NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT R_NAME OR NOT R_SOURCES)
    message(FATAL_ERROR "caec_add_realm_image: needs NAME and SOURCES")
  endif()
  add_library(${R_NAME} SHARED ${R_SOURCES})
  caec_realm_target_flags(${R_NAME})
  set(sdk "")
  if(NOT R_NO_SDK)
    set(sdk $<TARGET_NAME_IF_EXISTS:caec::sdk_realm>)
  endif()
  target_link_libraries(${R_NAME} PRIVATE caec::sdk_arch_crt ${R_LIBS} ${sdk} ${CAEC_REALM_ARCH_LIBS})
  target_link_options(${R_NAME} PRIVATE ${CAEC_REALM_LINK_OPTIONS})
  set_target_properties(${R_NAME} PROPERTIES PREFIX "" SUFFIX ".so" NO_SONAME ON)
endfunction()
