//! Socket.IO server and client on async-std and smol: the same API as
//! `runtime-tokio`, over `futures-io`. It arrives with issue #6.
