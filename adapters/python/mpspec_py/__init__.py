"""mpspec's adapter for Python multiprocessing-style modules, by role:

  protocol   the runner's JSON lines; the adapter's own channels to its actors (stdlib framing)
  values     value conventions: outcomes, exception names, $-values, the call itself
  actors     actor processes and threads; engine: one scenario; processes: the process engine
  resolve    the implementation under test and the spec's callables; capabilities
  adapter    run message -> history; __main__: the protocol loop

Standard library only; Python >= 3.8 or PyPy 3. Run: python3 -m mpspec_py --module NAME ...
"""
