echo ok
| echo bad
