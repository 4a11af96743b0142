d=$(pwd)
cd /nonexistent/dir 2>/dev/null
echo "status $?"
[ "$(pwd)" = "$d" ] && echo unchanged
