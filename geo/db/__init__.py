"""Database I/O, the one room every other uses: connections and the pool, migrations, named SQL files, queries to
frames, COPY in and out, index rebuilds, the stored and metric frames, and the embedded cluster."""
from .audit import set_actor
from .connection import close_pools, connect, pooled, transaction
from .copy import copy_arrow, copy_columns, copy_frame, copy_out_binary, copy_out_frame, copy_rows
from .frame import STORAGE_SRID, metric_srid, metric_to_storage, record_metric_srid
from .indexes import rebuilt_indexes
from .migrations import migrate, migration_files
from .queries import SqlFiles, query_df, query_rows, query_value

__all__ = ["set_actor", "close_pools", "connect", "pooled", "transaction", "copy_arrow", "copy_columns",
           "copy_frame", "copy_out_binary", "copy_out_frame", "copy_rows", "STORAGE_SRID", "metric_srid",
           "metric_to_storage", "record_metric_srid", "rebuilt_indexes", "migrate", "migration_files", "SqlFiles",
           "query_df", "query_rows", "query_value"]
