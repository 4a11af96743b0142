[ abc = abc ] && echo eq
[ abc != abd ] && echo ne
[ -n "x" ] && echo nonempty
[ -z "" ] && echo empty
[ "x" ] && echo one-arg
[ "" ] || echo empty-one-arg
test a \< b && echo lt
