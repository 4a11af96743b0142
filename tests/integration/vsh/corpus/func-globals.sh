set_it() { value=changed; }
value=orig
set_it
echo $value
