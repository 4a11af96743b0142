echo 'semi;colon' "amp&" 'pipe|' "lt<gt>" '(paren)' "#notcomment" a#b
echo # a comment
echo x # trailing comment
