"""The websocket generation service (protocol and app); it calls TreePipeline."""
