//! Pure model: projections, tenant resolution, aggregation. No I/O.
