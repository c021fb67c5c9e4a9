//! `event_counters`: per tenant, the last `seq` handed out (updated in the transaction of the
//! change, so seqs follow commit order) and the last `seq` retention has pruned.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_counters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: i64,
    pub last_seq: i64,
    /// Events up to this seq are gone (retention); a feed reader asking for an earlier one
    /// must resynchronise from the lists.
    pub pruned_through: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
