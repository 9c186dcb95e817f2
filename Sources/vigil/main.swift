import Vigil

// The shipped binary: the command line with the built-in handlers only.
await Vigil.main()
