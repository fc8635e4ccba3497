# Import an app made in the dashboard by its App ID.
terraform import onesignal_app.shop 2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f
