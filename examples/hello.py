import gi
gi.require_version('Task9', '1')
from gi.repository import Task9


async def worker(name):
    for i in range(3):
        print('%s: %d' % (name, i))
        await Task9.sleep(0.01)          # only this tasklet waits
    return name


async def main():
    a = Task9.spawn(worker('a'))
    b = Task9.spawn(worker('b'))
    print('joined', await a, await b)


Task9.run(main())                        # runs the GLib main loop until main() ends
