"""concurrent.futures.ProcessPoolExecutor with submit and map."""
from concurrent.futures import ProcessPoolExecutor


def cube(n):
    return n ** 3


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=2) as executor:
        futures = [executor.submit(cube, n) for n in range(4)]
        print([f.result() for f in futures])
        print(list(executor.map(cube, range(4, 8))))
