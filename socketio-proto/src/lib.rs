//! Sans-IO Socket.IO protocol (v5 over Engine.IO v4, v4 over Engine.IO v3):
//! packets, namespaces, acknowledgements, buffering and reconnection as pure state
//! machines on top of [`engineio_proto`]. The machines arrive with issue #3.
#![cfg_attr(not(feature = "std"), no_std)]
