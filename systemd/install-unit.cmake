# Run by `cmake --install` (see CMakeLists.txt): install xenbackd.service
# with ExecStart= naming the binary under the prefix of this install,
# which may differ from the one the build was configured with.
# In: XBD_UNIT_SRC, XBD_UNITDIR and XBD_SBINDIR (relative to the prefix,
# or absolute).
foreach(_var XBD_UNITDIR XBD_SBINDIR)
	if(NOT IS_ABSOLUTE "${${_var}}")
		set(${_var} "${CMAKE_INSTALL_PREFIX}/${${_var}}")
	endif()
endforeach()
file(READ "${XBD_UNIT_SRC}" _unit)
string(REPLACE "/usr/sbin/xenbackd" "${XBD_SBINDIR}/xenbackd" _unit
	"${_unit}")
set(_dest "$ENV{DESTDIR}${XBD_UNITDIR}/xenbackd.service")
message(STATUS "Installing: ${_dest}")
file(WRITE "${_dest}" "${_unit}")
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${_dest}")
