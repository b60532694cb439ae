//! The `requestedSchema` of a form-mode elicitation (client/elicitation, "Requested Schema"): a
//! flat object of primitive properties, each with an optional `default` (SEP-1034), and the
//! enum shapes of SEP-1330.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

/// A form: named fields, in the order the client should show them, some of them required.
///
/// ```
/// use mcp_runtime::{FormSchema, IntegerField, SingleSelect, StringField};
/// let form = FormSchema::new()
///     .required("name", StringField::new().title("Your name").default("John Doe"))
///     .optional("age", IntegerField::new().minimum(0).default(30))
///     .optional("status", SingleSelect::new(["active", "inactive"]).default("active"));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormSchema {
    fields: Vec<(String, Map<String, Value>)>,
    required: Vec<String>,
}

impl FormSchema {
    /// A form without fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field the user must fill in.
    pub fn required(mut self, name: impl Into<String>, field: impl Into<FormField>) -> Self {
        let name = name.into();
        self.required.push(name.clone());
        self.fields.push((name, field.into().0));
        self
    }

    /// Adds a field the user may leave empty.
    pub fn optional(mut self, name: impl Into<String>, field: impl Into<FormField>) -> Self {
        self.fields.push((name.into(), field.into().0));
        self
    }

    /// The schema as a JSON value (field order is not kept by `serde_json::Value`; serialise the
    /// `FormSchema` itself to keep it).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Written with its fields in insertion order: clients lay out the form in that order.
impl Serialize for FormSchema {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Properties<'a>(&'a [(String, Map<String, Value>)]);
        impl Serialize for Properties<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (name, field) in self.0 {
                    map.serialize_entry(name, field)?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", "object")?;
        map.serialize_entry("properties", &Properties(&self.fields))?;
        if !self.required.is_empty() {
            map.serialize_entry("required", &self.required)?;
        }
        map.end()
    }
}

/// One field of a [`FormSchema`]: made from [`StringField`], [`NumberField`],
/// [`IntegerField`], [`BooleanField`], [`SingleSelect`] or [`MultiSelect`].
#[derive(Clone, Debug, PartialEq)]
pub struct FormField(Map<String, Value>);

macro_rules! field_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name(Map<String, Value>);

        impl $name {
            /// A label for the field.
            pub fn title(self, title: impl Into<String>) -> Self {
                self.set("title", json!(title.into()))
            }

            /// A longer explanation.
            pub fn description(self, description: impl Into<String>) -> Self {
                self.set("description", json!(description.into()))
            }

            fn set(mut self, key: &str, value: Value) -> Self {
                self.0.insert(key.to_owned(), value);
                self
            }
        }

        impl From<$name> for FormField {
            fn from(field: $name) -> Self {
                FormField(field.0)
            }
        }
    };
}

fn typed(kind: &str) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("type".into(), json!(kind));
    map
}

fn options(values: impl IntoIterator<Item = impl Into<String>>) -> Value {
    Value::Array(values.into_iter().map(|v| json!(v.into())).collect())
}

fn titled(pairs: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>) -> Value {
    let pairs = pairs
        .into_iter()
        .map(|(value, title)| json!({"const": value.into(), "title": title.into()}));
    Value::Array(pairs.collect())
}

field_type!(
    /// A text field (`StringSchema`).
    StringField
);

impl StringField {
    /// A text field.
    pub fn new() -> Self {
        StringField(typed("string"))
    }

    /// At least this many characters.
    pub fn min_length(self, min: u32) -> Self {
        self.set("minLength", json!(min))
    }

    /// At most this many characters.
    pub fn max_length(self, max: u32) -> Self {
        self.set("maxLength", json!(max))
    }

    /// One of the formats clients know.
    pub fn format(self, format: StringFormat) -> Self {
        let name = match format {
            StringFormat::Email => "email",
            StringFormat::Uri => "uri",
            StringFormat::Date => "date",
            StringFormat::DateTime => "date-time",
        };
        self.set("format", json!(name))
    }

    /// The value the form starts with (SEP-1034).
    pub fn default(self, value: impl Into<String>) -> Self {
        self.set("default", json!(value.into()))
    }
}

impl Default for StringField {
    fn default() -> Self {
        Self::new()
    }
}

/// The formats a [`StringField`] may declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringFormat {
    /// `email`.
    Email,
    /// `uri`.
    Uri,
    /// `date`.
    Date,
    /// `date-time`.
    DateTime,
}

field_type!(
    /// A number field (`NumberSchema` with `type: "number"`).
    NumberField
);

impl NumberField {
    /// A number field.
    pub fn new() -> Self {
        NumberField(typed("number"))
    }

    /// The least value.
    pub fn minimum(self, min: f64) -> Self {
        self.set("minimum", json!(min))
    }

    /// The greatest value.
    pub fn maximum(self, max: f64) -> Self {
        self.set("maximum", json!(max))
    }

    /// The value the form starts with (SEP-1034).
    pub fn default(self, value: f64) -> Self {
        self.set("default", json!(value))
    }
}

impl Default for NumberField {
    fn default() -> Self {
        Self::new()
    }
}

field_type!(
    /// An integer field (`NumberSchema` with `type: "integer"`).
    IntegerField
);

impl IntegerField {
    /// An integer field.
    pub fn new() -> Self {
        IntegerField(typed("integer"))
    }

    /// The least value.
    pub fn minimum(self, min: i64) -> Self {
        self.set("minimum", json!(min))
    }

    /// The greatest value.
    pub fn maximum(self, max: i64) -> Self {
        self.set("maximum", json!(max))
    }

    /// The value the form starts with (SEP-1034).
    pub fn default(self, value: i64) -> Self {
        self.set("default", json!(value))
    }
}

impl Default for IntegerField {
    fn default() -> Self {
        Self::new()
    }
}

field_type!(
    /// A yes/no field (`BooleanSchema`).
    BooleanField
);

impl BooleanField {
    /// A yes/no field.
    pub fn new() -> Self {
        BooleanField(typed("boolean"))
    }

    /// The value the form starts with.
    pub fn default(self, value: bool) -> Self {
        self.set("default", json!(value))
    }
}

impl Default for BooleanField {
    fn default() -> Self {
        Self::new()
    }
}

field_type!(
    /// Pick one of several strings (SEP-1330 `SingleSelectEnumSchema`, or the legacy
    /// `enumNames` form).
    SingleSelect
);

impl SingleSelect {
    /// Options shown as they are: `{"type": "string", "enum": [...]}`.
    pub fn new(values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        SingleSelect(typed("string")).set("enum", options(values))
    }

    /// Options with display titles, `(value, title)`: `oneOf` of `{const, title}`.
    pub fn titled(pairs: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>) -> Self {
        SingleSelect(typed("string")).set("oneOf", titled(pairs))
    }

    /// Options with display titles in the deprecated `enum` + `enumNames` form, for clients
    /// that predate SEP-1330.
    pub fn legacy_titled(
        pairs: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        let (values, names): (Vec<String>, Vec<String>) = pairs
            .into_iter()
            .map(|(value, name)| (value.into(), name.into()))
            .unzip();
        SingleSelect(typed("string"))
            .set("enum", json!(values))
            .set("enumNames", json!(names))
    }

    /// The option the form starts with (SEP-1034).
    pub fn default(self, value: impl Into<String>) -> Self {
        self.set("default", json!(value.into()))
    }
}

field_type!(
    /// Pick any number of several strings (SEP-1330 `MultiSelectEnumSchema`).
    MultiSelect
);

impl MultiSelect {
    /// Options shown as they are: `items: {"type": "string", "enum": [...]}`.
    pub fn new(values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        MultiSelect(typed("array")).set("items", json!({"type": "string", "enum": options(values)}))
    }

    /// Options with display titles, `(value, title)`: `items: {"anyOf": [{const, title}]}`.
    pub fn titled(pairs: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>) -> Self {
        MultiSelect(typed("array")).set("items", json!({"anyOf": titled(pairs)}))
    }

    /// At least this many picks.
    pub fn min_items(self, min: u32) -> Self {
        self.set("minItems", json!(min))
    }

    /// At most this many picks.
    pub fn max_items(self, max: u32) -> Self {
        self.set("maxItems", json!(max))
    }

    /// The picks the form starts with (SEP-1034).
    pub fn default(self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.set("default", options(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_have_the_shapes_of_the_2025_11_25_schema() {
        let form = FormSchema::new()
            .required(
                "name",
                StringField::new().default("John Doe").max_length(50),
            )
            .optional("age", IntegerField::new().default(30))
            .optional("score", NumberField::new().default(95.5))
            .optional("verified", BooleanField::new().default(true))
            .optional("a", SingleSelect::new(["x", "y"]).default("x"))
            .optional("b", SingleSelect::titled([("#f00", "Red")]))
            .optional(
                "c",
                SingleSelect::legacy_titled([("o1", "One"), ("o2", "Two")]),
            )
            .optional("d", MultiSelect::new(["x"]).min_items(1).default(["x"]))
            .optional("e", MultiSelect::titled([("v", "V")]).title("E"));
        let json = form.to_json();
        let p = &json["properties"];
        assert_eq!(json["type"], "object");
        assert_eq!(json["required"], json!(["name"]));
        assert_eq!(
            p["name"],
            json!({"type": "string", "default": "John Doe", "maxLength": 50})
        );
        assert_eq!(p["age"], json!({"type": "integer", "default": 30}));
        assert_eq!(p["score"]["default"], json!(95.5));
        assert_eq!(p["verified"]["default"], json!(true));
        assert_eq!(
            p["a"],
            json!({"type": "string", "enum": ["x", "y"], "default": "x"})
        );
        assert_eq!(p["b"]["oneOf"], json!([{"const": "#f00", "title": "Red"}]));
        assert_eq!(p["c"]["enumNames"], json!(["One", "Two"]));
        assert_eq!(p["d"]["items"], json!({"type": "string", "enum": ["x"]}));
        assert_eq!(p["d"]["default"], json!(["x"]));
        assert_eq!(
            p["e"]["items"]["anyOf"],
            json!([{"const": "v", "title": "V"}])
        );
        // Serialised directly, the fields keep their order.
        let text = serde_json::to_string(&form).unwrap();
        let positions: Vec<usize> = ["\"name\"", "\"age\"", "\"score\"", "\"verified\"", "\"e\""]
            .iter()
            .map(|key| text.find(key).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    }
}
