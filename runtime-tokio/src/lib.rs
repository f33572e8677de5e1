//! Socket.IO server and client on tokio: a thin driver that moves bytes between
//! real sockets and the `engineio-proto` / `socketio-proto` machines. It arrives
//! with issues #4 (server) and #5 (client).
