(f() { echo inside; }; f)
f 2>/dev/null || echo "f not defined outside"
