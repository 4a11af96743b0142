while :; do echo y; done | { read a; echo "first: $a"; }
i=0; while :; do i=$((i+1)); echo "line $i"; done | while read l; do echo "$l"; [ "$l" = "line 3" ] && break; done
echo end
