//! Customers and the customer resolution rule of `connect360-api.md` §3.0.

use connect360_model::wire::{CustomerInput, Json};
use rusqlite::{params, OptionalExtension, Row};

use super::{json_column, json_text, merge_metadata, Tx};
use crate::clock::new_id;
use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRow {
    pub id: String,
    pub external_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub image: Option<String>,
    pub metadata: Json,
}

const COLUMNS: &str = "id, external_id, name, email, phone, image, metadata";

fn from_row(row: &Row<'_>) -> rusqlite::Result<CustomerRow> {
    Ok(CustomerRow {
        id: row.get(0)?,
        external_id: row.get(1)?,
        name: row.get(2)?,
        email: row.get(3)?,
        phone: row.get(4)?,
        image: row.get(5)?,
        metadata: json_column(row.get(6)?),
    })
}

fn find(tx: &Tx<'_>, condition: &str, value: &str) -> Result<Option<CustomerRow>, ApiError> {
    let sql =
        format!("SELECT {COLUMNS} FROM customers WHERE {condition} ORDER BY created_at LIMIT 1");
    Ok(tx.sql.query_row(&sql, [value], from_row).optional()?)
}

pub fn get(tx: &Tx<'_>, id: &str) -> Result<Option<CustomerRow>, ApiError> {
    find(tx, "id = ?1", id)
}

/// Resolves `customerId` / `customer`: `customerId` must exist and wins; a `customer` matches
/// by `id` (404 if none), then `externalId`, then `email` (case-insensitive), and is created
/// when nothing matches. On a match, non-null profile fields overwrite and `metadata` merges.
///
/// A match never rewrites another customer's `externalId`: with an `externalId` that matches
/// nobody, the e-mail is looked up only among customers without one (else an address alone
/// would hand a stranger somebody else's customer and conversations).
pub fn resolve(
    tx: &Tx<'_>,
    customer_id: Option<&str>,
    customer: Option<&CustomerInput>,
) -> Result<Option<CustomerRow>, ApiError> {
    if let Some(id) = customer_id {
        return get(tx, id)?
            .map(Some)
            .ok_or_else(|| ApiError::not_found("Customer"));
    }
    let Some(input) = customer else {
        return Ok(None);
    };
    let matched = if let Some(id) = &input.id {
        Some(get(tx, id)?.ok_or_else(|| ApiError::not_found("Customer"))?)
    } else {
        let by_external = match &input.external_id {
            Some(external) => find(tx, "external_id = ?1", external)?,
            None => None,
        };
        match (by_external, &input.email) {
            (Some(found), _) => Some(found),
            (None, Some(email)) if input.external_id.is_some() => find(
                tx,
                "email = ?1 COLLATE NOCASE AND external_id IS NULL",
                email,
            )?,
            (None, Some(email)) => find(tx, "email = ?1 COLLATE NOCASE", email)?,
            (None, None) => None,
        }
    };
    match matched {
        Some(existing) => update(tx, existing, input).map(Some),
        None => create(tx, input).map(Some),
    }
}

fn create(tx: &Tx<'_>, input: &CustomerInput) -> Result<CustomerRow, ApiError> {
    let row = CustomerRow {
        id: new_id("cus"),
        external_id: input.external_id.clone(),
        name: input.name.clone(),
        email: input.email.clone(),
        phone: input.phone.clone(),
        image: input.image.clone(),
        metadata: input.metadata.clone().unwrap_or_default(),
    };
    let now = tx.now();
    tx.sql.execute(
        "INSERT INTO customers (id, external_id, name, email, phone, image, metadata, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            row.id,
            row.external_id,
            row.name,
            row.email,
            row.phone,
            row.image,
            json_text(&row.metadata),
            now
        ],
    )?;
    Ok(row)
}

fn update(
    tx: &Tx<'_>,
    mut row: CustomerRow,
    input: &CustomerInput,
) -> Result<CustomerRow, ApiError> {
    let overwrite = |field: &mut Option<String>, value: &Option<String>| {
        if value.is_some() {
            field.clone_from(value);
        }
    };
    overwrite(&mut row.external_id, &input.external_id);
    overwrite(&mut row.name, &input.name);
    overwrite(&mut row.email, &input.email);
    overwrite(&mut row.phone, &input.phone);
    overwrite(&mut row.image, &input.image);
    if let Some(patch) = &input.metadata {
        merge_metadata(&mut row.metadata, patch);
    }
    tx.sql.execute(
        "UPDATE customers SET external_id = ?2, name = ?3, email = ?4, phone = ?5, image = ?6,
         metadata = ?7, updated_at = ?8 WHERE id = ?1",
        params![
            row.id,
            row.external_id,
            row.name,
            row.email,
            row.phone,
            row.image,
            json_text(&row.metadata),
            tx.now()
        ],
    )?;
    Ok(row)
}
