#!/usr/bin/env python3
# doc-shows-program.py DOC PROGRAM: fails unless the guide page DOC shows PROGRAM
# whole, in one fenced code block, from its first line of code on (a C program from
# its first #include; another after its leading comment lines), so that what a
# reader copies is what `meson test` runs.
import sys

doc_path, program_path = sys.argv[1], sys.argv[2]
doc = open(doc_path).read()
program = open(program_path).read()

if program_path.endswith('.c'):
    code = program[program.index('#include'):]
else:
    lines = program.splitlines(keepends=True)
    comment = '#' if program_path.endswith('.py') else '//'
    if lines and lines[0].startswith('/*'):   # a leading /* ... */ block
        while lines and '*/' not in lines[0]:
            lines.pop(0)
        lines.pop(0)
    while lines and (lines[0].startswith(comment) or not lines[0].strip()):
        lines.pop(0)
    code = ''.join(lines)

blocks = doc.split('```')[1::2]   # the fenced blocks, each "LANG\n...code..."
if not any(block.split('\n', 1)[-1] == code for block in blocks):
    sys.exit('%s does not show %s whole, as it is' % (doc_path, program_path))
