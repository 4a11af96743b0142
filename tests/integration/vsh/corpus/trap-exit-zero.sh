trap 'echo bye' 0
false
