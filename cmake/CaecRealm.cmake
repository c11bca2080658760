# Realm images: position-independent shared objects the platform loads from a
# realm's measured memory (see plat/hostsim/include/hostsim/hostsim.h and
# sdk/arch/hostsim/include/caec/arch.h).
#
# Realm code is compiled -fPIC -ffreestanding -fno-stack-protector, hidden
# visibility, WITHOUT the build's sanitizers (it runs on realm stacks, in a
# realm's memory, with no C library), and linked -shared -nostdlib with
# --no-undefined, so an image that imports anything does not link.
#
# caec_add_realm_library(NAME name SOURCES ... [LIBS ...])
#   A static library built the realm way (the sdk's caec_sdk_realm is one).
# caec_add_realm_image(NAME name SOURCES ... [LIBS ...] [NO_SDK])
#   The image ${NAME}.so: the sources, LIBS, the portable sdk (caec_sdk_realm,
#   when the build has it; NO_SDK leaves it out, for platform tests), the arch
#   layer (caec_sdk_arch) and the crt object with the entry point.

set(CAEC_REALM_COMPILE_OPTIONS
  -fPIC -ffreestanding -fno-stack-protector -fvisibility=hidden -fno-sanitize=all
  $<$<C_COMPILER_ID:GNU>:-fno-tree-loop-distribute-patterns>)

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
  target_link_libraries(${R_NAME} PUBLIC caec_abi ${R_LIBS})
endfunction()

function(caec_add_realm_image)
  cmake_parse_arguments(R "NO_SDK" "NAME" "SOURCES;LIBS" ${ARGN})
  add_library(${R_NAME} SHARED ${R_SOURCES})
  caec_realm_target_flags(${R_NAME})
  set(sdk "")
  if(NOT R_NO_SDK)
    set(sdk $<TARGET_NAME_IF_EXISTS:caec_sdk_realm>)
  endif()
  # Order matters for static archives: the program, the portable sdk, the arch
  # layer (whose weak defaults only fill what nothing else defined), libgcc.
  target_link_libraries(${R_NAME} PRIVATE caec_sdk_arch_crt ${R_LIBS} ${sdk} caec_sdk_arch caec_abi gcc)
  target_link_options(${R_NAME} PRIVATE -nostdlib -Wl,--no-undefined -Wl,-z,noexecstack
    -Wl,-z,max-page-size=4096 -Wl,-z,common-page-size=4096)
  set_target_properties(${R_NAME} PROPERTIES PREFIX "" SUFFIX ".so" NO_SONAME ON)
endfunction()
