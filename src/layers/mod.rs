//! Layer visibility: the entities of each layer ([`LayerMember`]) follow the layer list
//! ([`Layers`]), which [`SetLayerVisible`] changes.

use crate::scene::{self, LayerMember, Layers, SceneSet, SetLayerVisible};
use bevy::prelude::*;

/// Keeps layer visibility and the entities of each layer in step.
pub struct LayersPlugin;

impl Plugin for LayersPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.add_systems(
            Update,
            (apply_layer_messages, sync_layer_visibility)
                .chain()
                .in_set(SceneSet::Show),
        );
    }
}

fn apply_layer_messages(mut messages: MessageReader<SetLayerVisible>, mut layers: ResMut<Layers>) {
    for m in messages.read() {
        if let Some(layer) = layers.get_mut(&m.layer) {
            layer.visible = m.visible;
        }
    }
}

fn sync_layer_visibility(layers: Res<Layers>, mut members: Query<(&LayerMember, &mut Visibility)>) {
    for (member, mut visibility) in &mut members {
        let wanted = if layers.is_visible(&member.0) {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
        if *visibility != wanted {
            *visibility = wanted;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hiding_a_layer_hides_its_members() {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, LayersPlugin));
        app.world_mut()
            .resource_mut::<Layers>()
            .register("buildings", "Buildings");
        let root = app
            .world_mut()
            .spawn((Visibility::default(), LayerMember::of("buildings")))
            .id();
        let other = app
            .world_mut()
            .spawn((Visibility::default(), LayerMember::of("sensors")))
            .id();
        app.update();
        app.world_mut().write_message(SetLayerVisible {
            layer: "buildings".into(),
            visible: false,
        });
        app.update();
        assert_eq!(
            app.world().get::<Visibility>(root),
            Some(&Visibility::Hidden)
        );
        assert_eq!(
            app.world().get::<Visibility>(other),
            Some(&Visibility::Inherited)
        );
        assert!(!app.world().resource::<Layers>().is_visible("buildings"));
        app.world_mut().write_message(SetLayerVisible {
            layer: "buildings".into(),
            visible: true,
        });
        app.update();
        assert_eq!(
            app.world().get::<Visibility>(root),
            Some(&Visibility::Inherited)
        );
    }
}
