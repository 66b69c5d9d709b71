export { ReviewPanels, REVIEW_PROMOTION, REVIEW_VIEW_TYPE, type ReviewTarget } from './reviewPanel';
export { reviewHtml, type ReviewPage } from './reviewHtml';
