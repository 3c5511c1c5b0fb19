#if canImport(Glibc)
import Glibc
#endif

/// Blocks SIGPIPE on the calling thread. OpenSSL writes with write(2), which raises SIGPIPE when
/// the peer has reset the connection and would kill the process; blocked, the write fails with
/// EPIPE instead. Call it first thing on a thread that writes through OpenSSL (plain sockets pass
/// MSG_NOSIGNAL instead).
public func blockSIGPIPEOnThisThread() {
    var pipe = sigset_t()
    sigemptyset(&pipe)
    sigaddset(&pipe, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &pipe, nil)
}
