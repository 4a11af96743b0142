readonly r=5
echo $r
(r=6) 2>/dev/null || echo cannot assign
