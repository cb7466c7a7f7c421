//! What the client asks of a broker: queries (one page, all pages, a count), entities,
//! discovery, writes, subscriptions, the temporal API and batch operations.

use super::*;

impl Client {
    /// One page of a query (the query's limit and offset).
    pub async fn query_page(&self, q: &EntityQuery) -> Result<QueryPage, ClientError> {
        let mut q = q.clone();
        q.format = q.format.or(Some(Format::Normalized));
        let (status, headers, body) = self
            .send(Method::GET, "/entities", &q.to_params(), None)
            .await?;
        if !status.is_success() {
            return Err(self.error(status, &body.0));
        }
        let total = headers
            .get("NGSILD-Results-Count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let value = self.json(&body.0)?;
        let received = value.as_array().map_or(1, Vec::len);
        let repr = match q.format {
            Some(Format::Concise) => Representation::Concise,
            Some(Format::Simplified) => Representation::Simplified,
            _ => Representation::Normalized,
        };
        let parsed = parse_payload_with(&value, repr, &self.config.terms);
        Ok(QueryPage {
            entities: parsed.entities,
            skipped: parsed.skipped,
            total,
            received,
        })
    }

    /// All results of a query, page by page, adapting the page size to the broker.
    /// `progress(received, total)` is called after each page.
    pub async fn query_all(
        &self,
        query: &EntityQuery,
        progress: &mut dyn FnMut(usize, Option<usize>),
    ) -> Result<ParsedPayload, ClientError> {
        let mut out = ParsedPayload::default();
        let mut page_size = self.config.page_size.max(1);
        let mut offset = 0;
        let mut total: Option<usize> = None;
        loop {
            let mut q = query.clone();
            q.limit = Some(page_size);
            q.offset = offset;
            q.count = true;
            let page = match self.query_page(&q).await {
                Ok(p) => p,
                Err(ClientError::Broker {
                    status: 400 | 403, ..
                }) if offset == 0 && page_size > PAGE_SIZES[PAGE_SIZES.len() - 1] => {
                    // The broker refuses this page size: take the next smaller one.
                    let smaller = PAGE_SIZES
                        .iter()
                        .copied()
                        .find(|s| *s < page_size)
                        .unwrap_or(20);
                    tracing::info!("the broker refused pages of {page_size}; trying {smaller}");
                    page_size = smaller;
                    continue;
                }
                Err(e) => return Err(e),
            };
            total = page.total.or(total);
            let received = page.received;
            out.entities.extend(page.entities);
            out.skipped.extend(page.skipped);
            offset += received;
            progress(offset, total);
            let done = match total {
                Some(t) => offset >= t || received == 0,
                None => received < page_size,
            };
            if done {
                return Ok(out);
            }
        }
    }

    /// The number of entities matching a query (`limit=0&count=true`).
    pub async fn count(&self, query: &EntityQuery) -> Result<Option<usize>, ClientError> {
        let mut q = query.clone();
        q.limit = Some(0);
        q.count = true;
        Ok(self.query_page(&q).await?.total)
    }

    /// One entity, or `None` if there is none with this id.
    pub async fn get_entity(&self, id: &str) -> Result<Option<Entity>, ClientError> {
        let path = format!("/entities/{}", encode(id));
        let params = vec![("format".to_owned(), "normalized".to_owned())];
        let (status, _, body) = self.send(Method::GET, &path, &params, None).await?;
        if status == StatusCode::NOT_FOUND
            && ProblemDetails::parse(&body.0)
                .is_some_and(|p| p.kind() == ProblemKind::ResourceNotFound)
        {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.error(status, &body.0));
        }
        let value = self.json(&body.0)?;
        Ok(
            parse_payload_with(&value, Representation::Normalized, &self.config.terms)
                .entities
                .into_iter()
                .next(),
        )
    }

    /// A response body as JSON.
    fn json(&self, body: &[u8]) -> Result<Value, ClientError> {
        serde_json::from_slice(body).map_err(|e| ClientError::Decode {
            url: self.base.clone(),
            reason: format!("not JSON: {e}"),
        })
    }

    /// The entity types the broker holds (`GET /types`).
    pub async fn types(&self) -> Result<Vec<String>, ClientError> {
        self.list("/types", "typeList").await
    }

    /// The attribute names the broker holds (`GET /attributes`).
    pub async fn attributes(&self) -> Result<Vec<String>, ClientError> {
        self.list("/attributes", "attributeList").await
    }

    async fn list(&self, path: &str, member: &str) -> Result<Vec<String>, ClientError> {
        let (status, _, body) = self.send(Method::GET, path, &[], None).await?;
        if !status.is_success() {
            return Err(self.error(status, &body.0));
        }
        let value = self.json(&body.0)?;
        let mut names = if member == "typeList" {
            crate::ngsi_ld::discovery::type_names(&value)
        } else {
            crate::ngsi_ld::discovery::attribute_names(&value)
        };
        for n in &mut names {
            *n = self.config.terms.short(n).to_owned();
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Creates one entity (409 AlreadyExists becomes an error).
    pub async fn create(&self, e: &Entity) -> Result<(), ClientError> {
        let body = render(e, Format::Normalized);
        let (status, _, resp) = self
            .send(Method::POST, "/entities", &[], Some(&body))
            .await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(self.error(status, &resp.0))
        }
    }

    /// Appends attributes to an entity, overwriting those of the same name (`POST
    /// /entities/{id}/attrs`); `attrs`' id and type are not sent.
    pub async fn append_attributes(&self, id: &str, attrs: &Entity) -> Result<(), ClientError> {
        let mut body = render(attrs, Format::Normalized);
        if let Some(o) = body.as_object_mut() {
            o.remove("id");
            o.remove("type");
        }
        let path = format!("/entities/{}/attrs", encode(id));
        let (status, _, resp) = self.send(Method::POST, &path, &[], Some(&body)).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(self.error(status, &resp.0))
        }
    }

    /// Deletes one entity.
    pub async fn delete(&self, id: &str) -> Result<(), ClientError> {
        let (status, _, resp) = self
            .send(
                Method::DELETE,
                &format!("/entities/{}", encode(id)),
                &[],
                None,
            )
            .await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(self.error(status, &resp.0))
        }
    }

    /// Creates a subscription; returns its id (the one given, or the broker's from the
    /// `Location` header).
    pub async fn subscribe(&self, s: &Subscription) -> Result<String, ClientError> {
        let body = s.to_json();
        let (status, headers, resp) = self
            .send(Method::POST, "/subscriptions", &[], Some(&body))
            .await?;
        if !status.is_success() {
            return Err(self.error(status, &resp.0));
        }
        let from_location = headers
            .get("Location")
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.rsplit('/').next())
            .map(|id| id.replace("%3A", ":").replace("%3a", ":"));
        s.id.clone()
            .or(from_location)
            .ok_or_else(|| ClientError::Decode {
                url: self.base.clone(),
                reason: "the broker created the subscription but did not say its id".to_owned(),
            })
    }

    /// A subscription as the broker shows it, or `None` when it has none with this id.
    pub async fn subscription(&self, id: &str) -> Result<Option<Value>, ClientError> {
        let path = format!("/subscriptions/{}", encode(id));
        let (status, _, body) = self.send(Method::GET, &path, &[], None).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.error(status, &body.0));
        }
        self.json(&body.0).map(Some)
    }

    /// Deletes a subscription (one already gone is not an error).
    pub async fn unsubscribe(&self, id: &str) -> Result<(), ClientError> {
        let path = format!("/subscriptions/{}", encode(id));
        let (status, _, body) = self.send(Method::DELETE, &path, &[], None).await?;
        if status.is_success() || status == StatusCode::NOT_FOUND {
            Ok(())
        } else {
            Err(self.error(status, &body.0))
        }
    }

    /// The history of the entities a temporal query selects, all pages.
    pub async fn temporal(&self, q: &TemporalQuery) -> Result<Vec<TemporalEntity>, ClientError> {
        let mut out = Vec::new();
        let page_size = q.entities.limit.unwrap_or(100).max(1);
        let mut offset = q.entities.offset;
        loop {
            let mut page = q.clone();
            page.entities.limit = Some(page_size);
            page.entities.offset = offset;
            let params = page.to_params();
            let (status, _, body) = self
                .send(Method::GET, "/temporal/entities", &params, None)
                .await?;
            if !status.is_success() {
                return Err(self.error(status, &body.0));
            }
            let v = self.json(&body.0)?;
            let got = TemporalEntity::parse_many(&v).map_err(|reason| ClientError::Decode {
                url: self.base.clone(),
                reason,
            })?;
            let n = got.len();
            out.extend(got);
            if n < page_size {
                return Ok(out);
            }
            offset += n;
        }
    }

    /// Adds past instances to an entity's history (`POST /temporal/entities`; the body is a
    /// temporal entity: attributes as arrays of instances with `observedAt`).
    pub async fn temporal_create(&self, body: &Value) -> Result<(), ClientError> {
        let (status, _, resp) = self
            .send(Method::POST, "/temporal/entities", &[], Some(body))
            .await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(self.error(status, &resp.0))
        }
    }

    /// Creates or replaces entities in batches of `batch_size`; a partly failed batch (207)
    /// reports each refused entity with the broker's reason.
    pub async fn batch_upsert(
        &self,
        entities: &[Entity],
        batch_size: usize,
    ) -> Result<BatchOutcome, ClientError> {
        self.batch("/entityOperations/upsert", entities, batch_size)
            .await
    }

    /// Updates attributes of existing entities (each entity carries only the attributes that
    /// change), in batches of `batch_size`; entities that do not exist are reported as errors.
    pub async fn batch_update(
        &self,
        entities: &[Entity],
        batch_size: usize,
    ) -> Result<BatchOutcome, ClientError> {
        self.batch("/entityOperations/update", entities, batch_size)
            .await
    }

    async fn batch(
        &self,
        path: &str,
        entities: &[Entity],
        batch_size: usize,
    ) -> Result<BatchOutcome, ClientError> {
        let mut outcome = BatchOutcome::default();
        for chunk in entities.chunks(batch_size.max(1)) {
            let body = Value::Array(
                chunk
                    .iter()
                    .map(|e| render(e, Format::Normalized))
                    .collect(),
            );
            let (status, _, resp) = self.send(Method::POST, path, &[], Some(&body)).await?;
            match status.as_u16() {
                201 | 204 | 200 => outcome.success.extend(chunk.iter().map(|e| e.id.clone())),
                207 => {
                    let v = self.json(&resp.0)?;
                    outcome.success.extend(
                        v.get("success")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(str::to_owned),
                    );
                    for err in v
                        .get("errors")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let id = err
                            .get("entityId")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_owned();
                        let reason = err
                            .get("error")
                            .and_then(|p| ProblemDetails::parse(p.to_string().as_bytes()))
                            .map_or_else(|| err.to_string(), |p| p.summary());
                        outcome.errors.push((id, reason));
                    }
                }
                _ => return Err(self.error(status, &resp.0)),
            }
        }
        Ok(outcome)
    }
}
