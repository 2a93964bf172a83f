import Dispatch
import NatCtlCommands

// A synchronous entry point that waits for the command on a semaphore, not `async` main: async
// main ends in dispatch_main(), whose main-thread exit valgrind 3.19 (Debian 12's) cannot follow,
// and scripts/bench-relay-instructions.sh counts the relay's instructions under callgrind. The
// command runs detached from the main actor, whose queue nothing drains while main waits.
NatCtl.prepareProcess()
let finished = DispatchSemaphore(value: 0)
Task.detached {
    await NatCtl.runMain()
    finished.signal()
}
finished.wait()
