/** The alert queries under the names supervision reads them by; one query serves both. */
export {
  findAlert as findSupervisionAlert,
  listAlerts as listSupervisionAlerts,
  type AlertFilters as SupervisionAlertFilters,
  type AlertRecord as SupervisionAlert,
  type AlertStatus,
} from '../queries/alerts.ts';
