set -- p1 'p 2'
local_var='it''s'
readonly ro=fixed
helper() { echo "helper $1"; }
for i in 1 2; do helper $i; echo "$# $2 $local_var $ro"; done | while read l; do echo "[$l]"; done
gen() { echo "gen sees $1 and $local_var"; }
gen arg | { read l; echo "$l"; }
