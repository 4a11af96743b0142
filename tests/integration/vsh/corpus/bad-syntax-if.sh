echo first
if true; then
echo inside
