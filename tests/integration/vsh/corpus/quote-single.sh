echo 'a  b'  'c$d' '\n' 'it''s'
