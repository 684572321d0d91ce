pub use crate::{
    CoreApi, DefaultModel, Enforcer, Event, EventData, EventEmitter, Filter,
    IEnforcer, InternalApi, MemoryAdapter, MgmtApi, Model, NullAdapter,
    RbacApi, Result, StringAdapter, TryIntoAdapter, TryIntoModel,
};

#[cfg(not(target_arch = "wasm32"))]
pub use crate::FileAdapter;

#[cfg(feature = "cached")]
pub use crate::{CachedApi, CachedEnforcer};

#[cfg(feature = "watcher")]
pub use crate::Watcher;
