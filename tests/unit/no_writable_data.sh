#!/usr/bin/env bash
# The servers' object files define no writable data (STYLE.md: no mutable globals in servers;
# their state is a struct passed explicitly). Usage: no_writable_data.sh LIST, LIST naming one
# object file a line (CMake generates it from the targets' objects).
#
# A symbol nm classes as data or bss (b/B/d/D, and common/small data C/G/g/S/s) fails, with
# its section, unless that section is .data.rel.ro*: const tables that hold pointers live
# there (relocated once by the loader, read-only after), and nm calls them 'd' too. A
# writable data section of non-zero size fails as well, symbol or not (an anonymous static
# compound literal has none).
set -euo pipefail
list=$1
fail=0
n=0
while IFS= read -r obj; do
    [ -n "$obj" ] || continue
    n=$((n + 1))
    if [ ! -f "$obj" ]; then
        echo "no_writable_data: $obj: missing (build first)"
        fail=1
        continue
    fi
    # nm -f sysv: name|value|class|type|size|line|section
    while IFS='|' read -r name _ class _ _ _ section; do
        class=${class// /}
        section=${section// /}
        case $class in
        b | B | d | D | C | G | g | S | s) ;;
        *) continue ;;
        esac
        case $section in
        .data.rel.ro*) continue ;;
        esac
        echo "no_writable_data: $(basename "$obj"): ${name// /} ($class, in ${section:-?})"
        fail=1
    done < <(nm -f sysv "$obj" | grep '|')
    # objdump -h: idx name size vma lma off align
    while read -r _ section size _; do
        case $section in
        .data.rel.ro*) continue ;;
        .data* | .bss* | .tdata* | .tbss* | .sdata* | .sbss*) ;;
        *) continue ;;
        esac
        if [ $((16#$size)) -ne 0 ]; then
            echo "no_writable_data: $(basename "$obj"): section $section holds $((16#$size)) bytes"
            fail=1
        fi
    done < <(objdump -h "$obj" | grep -E '^ +[0-9]+ ')
done <"$list"
if [ "$n" -eq 0 ]; then
    echo "no_writable_data: $list names no object file"
    exit 1
fi
[ "$fail" -eq 0 ] && echo "no_writable_data: $n object files, no writable data"
exit "$fail"
