// onnxruntime-node 1.30 ships Microsoft's usage telemetry switched on. In a
// process that creates a session it writes a device id and an event queue to
// ~/.cache/Microsoft/DeveloperTools/.onnxruntime, leaves mat-debug-<pid>.log
// and .ses in the temp folder, and some seconds later resolves
// mobile.events.data.microsoft.com to upload. Pancake promises that nothing
// leaves the machine, so it sets the library's own opt-out, which that
// version reads from the C environment (it stays quiet by itself only where
// it detects CI, which is why a CI run never shows any of this).
//
// Where this must run: the native library is loaded once per process and
// reads the variable when it starts, and only the main thread's process.env
// writes through to the C environment (a worker thread's process.env is its
// own copy, so setting it inside a worker does nothing). Every entry point
// therefore imports this module before anything else, and so do the modules
// that start the onnxruntime workers, which covers a core started inside
// another program such as a test. Child processes inherit it.
process.env.ORT_DISABLE_TELEMETRY = '1';
