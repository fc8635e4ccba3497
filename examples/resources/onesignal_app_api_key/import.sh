# Import a key made in the dashboard by "<app_id>/<token_id>" ...
terraform import onesignal_app_api_key.backend 2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f/7b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9

# ... or by its bare token_id, searched for across the organization's apps.
terraform import onesignal_app_api_key.backend 7b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9
