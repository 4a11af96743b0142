x=abc123def
echo ${x%%[0-9]*} ${x##*[0-9]} ${x#[a-c]} ${x%[!a-z]*}
