true && echo and-yes
false && echo and-no
false || echo or-yes
true || echo or-no
false || false || echo chain
true && false || echo mixed
echo $?
