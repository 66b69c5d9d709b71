export { NOTIFICATION_EVENTS, NOTIFICATION_FORMATS, NOTIFICATION_KEYS, notificationSchema, type NotificationEvent, type NotificationFormat, type NotificationParsed } from './schema';
export { notificationBody, type NotificationFacts } from './format';
export { postJson, type SendOptions, type SendResult } from './send';
export { RunNotifier, type NotifierOptions, type RunNotice, type SecretReader } from './notifier';
